/*
 * names.c - wire names of the enums in mention.h, and parsing them back.
 *
 * The names are the lower-case enum names without their prefix and are used
 * in JSON, Kafka headers and topic suffixes, so they must stay stable. Each
 * enum has one table indexed by its value; lookups are bounds-checked and an
 * out-of-range value names itself "unknown" rather than returning NULL, so a
 * bug upstream shows up in the output instead of crashing the encoder.
 *
 * The exceptions to "name == enum name":
 *   - MS_URGENCY_NONE is "" because Classified.repair_urgency is empty when
 *     there is no repair urgency; ms_urgency_parse() accepts "none" and "";
 *   - MS_ACTION_REDIRECT_TO_REPAIRS is "redirect_to_repairs_channel", the
 *     policy's words (2.26);
 *   - MS_REMOVAL_NONE is "" and MS_REMOVAL_NOT_OURS is "not_our_page".
 * Every enum read back from the wire (platform, kind, category, action,
 * urgency, personal-information kind) has a parser that takes each name
 * this file produces; priority and the removal answer are only written.
 *
 * Parsing is exact (case-sensitive) and works on a (pointer, length) pair so
 * callers can parse JSON string views without NUL-terminating them. The
 * tables are small (at most 19 entries), so a linear scan is as fast as
 * anything cleverer.
 */
#include "core/mention.h"

#include <string.h>

static const char *const ms_platform_names[MS_PLATFORM_COUNT] = {
    [MS_PLATFORM_OTHER] = "other",         [MS_PLATFORM_FACEBOOK] = "facebook",
    [MS_PLATFORM_INSTAGRAM] = "instagram", [MS_PLATFORM_LINKEDIN] = "linkedin",
    [MS_PLATFORM_TIKTOK] = "tiktok",       [MS_PLATFORM_YOUTUBE] = "youtube",
    [MS_PLATFORM_X] = "x",
};

static const char *const ms_kind_names[MS_KIND_COUNT] = {
    [MS_KIND_PUBLIC_COMMENT] = "public_comment",
    [MS_KIND_REPLY] = "reply",
    [MS_KIND_INBOX_MESSAGE] = "inbox_message",
    [MS_KIND_EXTERNAL_MENTION] = "external_mention",
};

static const char *const ms_category_names[MS_CAT_COUNT] = {
    [MS_CAT_PROFANITY] = "profanity",
    [MS_CAT_HATE] = "hate",
    [MS_CAT_RELIGION_POLITICS] = "religion_politics",
    [MS_CAT_COLLEAGUE] = "colleague",
    [MS_CAT_SEXUAL_GRAPHIC] = "sexual_graphic",
    [MS_CAT_MALICIOUS_LINK] = "malicious_link",
    [MS_CAT_DETRIMENTAL] = "detrimental",
    [MS_CAT_ADVERTISING] = "advertising",
    [MS_CAT_MISINFORMATION] = "misinformation",
    [MS_CAT_PERSONAL_INFO] = "personal_info",
    [MS_CAT_COMPLAINT] = "complaint",
    [MS_CAT_REPAIR] = "repair",
    [MS_CAT_CONSENT_WITHDRAWAL] = "consent_withdrawal",
    [MS_CAT_INDIVIDUAL_CASE] = "individual_case",
    [MS_CAT_QUESTION] = "question",
    [MS_CAT_POSITIVE] = "positive",
    [MS_CAT_NEGATIVE] = "negative",
    [MS_CAT_EXTERNAL] = "external",
    [MS_CAT_VIP] = "vip",
    [MS_CAT_OTHER] = "other",
};

static const char *const ms_action_names[MS_ACTION_COUNT] = {
    [MS_ACTION_NONE] = "none",
    [MS_ACTION_REVIEW_FOR_REMOVAL] = "review_for_removal",
    [MS_ACTION_ACKNOWLEDGE] = "acknowledge",
    [MS_ACTION_REDIRECT_TO_REPAIRS] = "redirect_to_repairs_channel",
    [MS_ACTION_TAKE_DOWN_ON_REQUEST] = "take_down_on_request",
    [MS_ACTION_ASK_TO_INBOX] = "ask_to_inbox",
    [MS_ACTION_FLAG_FOR_REVIEW] = "flag_for_review",
    [MS_ACTION_ANSWER_PUBLICLY] = "answer_publicly",
    [MS_ACTION_THANK] = "thank",
    [MS_ACTION_REVIEW_CASE_BY_CASE] = "review_case_by_case",
    [MS_ACTION_ESCALATE_TO_COMMUNICATIONS] = "escalate_to_communications",
    [MS_ACTION_REPLY_IN_INBOX] = "reply_in_inbox",
};

static const char *const ms_removal_names[MS_REMOVAL_COUNT] = {
    [MS_REMOVAL_NONE] = "",
    [MS_REMOVAL_REVIEW] = "review",
    [MS_REMOVAL_NEVER] = "never",
    [MS_REMOVAL_NOT_OURS] = "not_our_page",
};

static const char *const ms_priority_names[MS_PRIORITY_COUNT] = {
    [MS_PRIORITY_URGENT] = "urgent",
    [MS_PRIORITY_HIGH] = "high",
    [MS_PRIORITY_NORMAL] = "normal",
    [MS_PRIORITY_LOW] = "low",
};

static const char *const ms_urgency_names[MS_URGENCY_COUNT] = {
    [MS_URGENCY_NONE] = "", /* empty in output fields; parses from "none" too */
    [MS_URGENCY_ROUTINE] = "routine",
    [MS_URGENCY_URGENT] = "urgent",
    [MS_URGENCY_EMERGENCY] = "emergency",
};

static const char *const ms_pii_kind_names[MS_PII_COUNT] = {
    [MS_PII_PHONE] = "phone",         [MS_PII_EMAIL] = "email",
    [MS_PII_POSTCODE] = "postcode",   [MS_PII_ADDRESS] = "address",
    [MS_PII_NI_NUMBER] = "ni_number", [MS_PII_BANK] = "bank",
};

/** @brief Name at index `v` of a table of `n`, or "unknown" when out of range. */
static const char *ms_name_at(const char *const *names, size_t n, unsigned v)
{
    return v < n ? names[v] : "unknown";
}

/** @brief Index of the name equal to s[0..len) in a table of `n`, or -1. */
static int ms_name_find(const char *const *names, size_t n, const char *s,
                        size_t len)
{
    if (!s && len)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strlen(names[i]) == len && (len == 0 || memcmp(names[i], s, len) == 0))
            return (int)i;
    }
    return -1;
}

/** @brief Wire name of a platform. */
const char *ms_platform_name(ms_platform p)
{
    return ms_name_at(ms_platform_names, MS_PLATFORM_COUNT, (unsigned)p);
}

/** @brief Wire name of a mention kind. */
const char *ms_kind_name(ms_kind k)
{
    return ms_name_at(ms_kind_names, MS_KIND_COUNT, (unsigned)k);
}

/** @brief Wire name of a category. */
const char *ms_category_name(ms_category c)
{
    return ms_name_at(ms_category_names, MS_CAT_COUNT, (unsigned)c);
}

/** @brief Wire name of an action. */
const char *ms_action_name(ms_action a)
{
    return ms_name_at(ms_action_names, MS_ACTION_COUNT, (unsigned)a);
}

/** @brief Wire name of a priority. */
const char *ms_priority_name(ms_priority p)
{
    return ms_name_at(ms_priority_names, MS_PRIORITY_COUNT, (unsigned)p);
}

/** @brief Wire name of a repair urgency; "" for MS_URGENCY_NONE. */
const char *ms_urgency_name(ms_urgency u)
{
    return ms_name_at(ms_urgency_names, MS_URGENCY_COUNT, (unsigned)u);
}

/** @brief Wire name of a removal answer; "" for MS_REMOVAL_NONE. */
const char *ms_removal_name(ms_removal r)
{
    return ms_name_at(ms_removal_names, MS_REMOVAL_COUNT, (unsigned)r);
}

/** @brief Wire name of a kind of personal information. */
const char *ms_pii_kind_name(ms_pii_kind k)
{
    return ms_name_at(ms_pii_kind_names, MS_PII_COUNT, (unsigned)k);
}

/** @brief Parse a platform name. */
bool ms_platform_parse(const char *s, size_t n, ms_platform *out)
{
    int i = ms_name_find(ms_platform_names, MS_PLATFORM_COUNT, s, n);
    if (i < 0)
        return false;
    *out = (ms_platform)i;
    return true;
}

/** @brief Parse a mention kind name. */
bool ms_kind_parse(const char *s, size_t n, ms_kind *out)
{
    int i = ms_name_find(ms_kind_names, MS_KIND_COUNT, s, n);
    if (i < 0)
        return false;
    *out = (ms_kind)i;
    return true;
}

/** @brief Parse a category name. */
bool ms_category_parse(const char *s, size_t n, ms_category *out)
{
    int i = ms_name_find(ms_category_names, MS_CAT_COUNT, s, n);
    if (i < 0)
        return false;
    *out = (ms_category)i;
    return true;
}

/** @brief Parse an action name. */
bool ms_action_parse(const char *s, size_t n, ms_action *out)
{
    int i = ms_name_find(ms_action_names, MS_ACTION_COUNT, s, n);
    if (i < 0)
        return false;
    *out = (ms_action)i;
    return true;
}

/** @brief Parse a repair urgency name; "none" and "" both mean MS_URGENCY_NONE. */
bool ms_urgency_parse(const char *s, size_t n, ms_urgency *out)
{
    if (n == 4 && memcmp(s, "none", 4) == 0) {
        *out = MS_URGENCY_NONE;
        return true;
    }
    int i = ms_name_find(ms_urgency_names, MS_URGENCY_COUNT, s, n);
    if (i < 0)
        return false;
    *out = (ms_urgency)i;
    return true;
}

/** @brief Parse a personal-information kind name. */
bool ms_pii_kind_parse(const char *s, size_t n, ms_pii_kind *out)
{
    int i = ms_name_find(ms_pii_kind_names, MS_PII_COUNT, s, n);
    if (i < 0)
        return false;
    *out = (ms_pii_kind)i;
    return true;
}
