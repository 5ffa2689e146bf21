/*
 * pii.h - validators for personal information that a pattern can only
 * approximate: a National Insurance number's prefix rules, the digit count
 * of a UK phone number and a payment card number's check digit. Pure
 * functions, safe from any thread.
 */
#ifndef MS_PII_H
#define MS_PII_H

#include <stdbool.h>
#include <stddef.h>

/** @brief True if s holds a valid NI number (HMRC prefix rules), spaces allowed. */
bool ms_pii_valid_ni_number(const char *s, size_t n);

/** @brief True if s holds a plausible UK phone number: 9 or 10 digits after the leading 0, +44 or 0044 (a "(0)" after the country code ignored). */
bool ms_pii_valid_uk_phone(const char *s, size_t n);

/** @brief True if the digits of s (anything else between them ignored) are 13 to 19 and pass the
 *  Luhn check that every payment card number carries. */
bool ms_pii_valid_card(const char *s, size_t n);

#endif
