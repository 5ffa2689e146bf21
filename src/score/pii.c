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

bool ms_pii_valid_uk_phone(const char *s, size_t n)
{
    size_t digits = 0;
    bool intl = false;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i]))
            digits++;
        else if (s[i] == '+')
            intl = true;
    }
    /* +44 7700 900123 has 12 digits including the country code 44 */
    if (intl)
        return digits == 12 || digits == 11;
    return digits == 10 || digits == 11;
}
