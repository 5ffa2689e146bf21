/*
 * pii.c - validators for personal information (see pii.h).
 *
 * NI numbers follow HMRC's published format: two prefix letters, six
 * digits, a suffix A-D. The first letter is never D, F, I, Q, U or V; the
 * second never D, F, I, O, Q, U or V; and the prefixes BG, GB, KN, NK, NT,
 * TN and ZZ are never issued. Rejecting those keeps product codes and
 * reference numbers that merely look like NI numbers out of the redactions.
 */
#include "score/pii.h"

#include <ctype.h>
#include <string.h>

bool ms_pii_valid_ni_number(const char *s, size_t n)
{
    char c[9];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || ch == '-')
            continue;
        if (k == 9)
            return false;
        c[k++] = (char)toupper(ch);
    }
    if (k != 9)
        return false;
    if (!isalpha((unsigned char)c[0]) || !isalpha((unsigned char)c[1]))
        return false;
    for (int i = 2; i < 8; i++)
        if (!isdigit((unsigned char)c[i]))
            return false;
    if (c[8] < 'A' || c[8] > 'D')
        return false;
    if (strchr("DFIQUV", c[0]) || strchr("DFIOQUV", c[1]))
        return false;
    static const char *const never[] = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (c[0] == never[i][0] && c[1] == never[i][1])
            return false;
    return true;
}

/*
 * A UK number is a national significant number (NSN) of 9 or 10 digits,
 * never starting with 0, written either with the trunk prefix 0
 * (07700 900123, 0121 496 0000) or with the country code 44 after '+' or
 * '00' (+44 7700 900123, 0044 7700 900123). With the country code people
 * often keep the trunk 0 as well, usually in brackets: +44 (0)7700 900123,
 * +44 (0)121 496 0000; that 0 is not part of the NSN.
 */
bool ms_pii_valid_uk_phone(const char *s, size_t n)
{
    char d[24];
    size_t nd = 0;
    bool plus = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isdigit(ch)) {
            if (nd == sizeof d)
                return false;
            d[nd++] = (char)ch;
        } else if (ch == '+' && nd == 0) {
            plus = true;
        }
    }
    size_t k;
    if (plus || (nd >= 4 && memcmp(d, "0044", 4) == 0)) {
        k = plus ? 0 : 2;
        if (nd < k + 2 || d[k] != '4' || d[k + 1] != '4')
            return false;
        k += 2;
        if (k < nd && d[k] == '0') /* the trunk 0 kept: +44 (0)121 ... */
            k++;
    } else {
        if (nd == 0 || d[0] != '0')
            return false;
        k = 1;
    }
    size_t nsn = nd - k;
    return (nsn == 9 || nsn == 10) && d[k] != '0';
}

bool ms_pii_valid_card(const char *s, size_t n)
{
    unsigned sum = 0, digits = 0;
    for (size_t i = n; i-- > 0;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < '0' || ch > '9')
            continue; /* a space, dash or Unicode space between the groups */
        unsigned d = ch - '0';
        if (digits++ % 2 == 1)
            d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return digits >= 13 && digits <= 19 && sum % 10 == 0;
}
