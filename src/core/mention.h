/*
 * mention.h - the event that flows through mentionsift, in and out.
 *
 * An incoming mention (ms_mention) is decoded once per event into string
 * views (ms_str) that point into a buffer the decoder owns, so decoding does
 * not allocate. The engine's answer (ms_verdict) is a fixed-size struct the
 * caller owns and reuses: every array in it has a compile-time capacity, and
 * what does not fit is counted in `dropped_*` rather than allocated.
 *
 * Categories, actions and priorities are the vocabulary of whg's Social
 * Media Policy; the clause each one implements is in the comment beside it.
 * Their names (ms_category_name() etc.) are the wire names used in JSON,
 * Kafka headers and topic suffixes; keep them stable.
 */
#ifndef MS_MENTION_H
#define MS_MENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A view into bytes owned by someone else; not NUL-terminated. */
typedef struct ms_str {
    const char *ptr;
    size_t len;
} ms_str;

typedef enum ms_platform {
    MS_PLATFORM_OTHER = 0,
    MS_PLATFORM_FACEBOOK,
    MS_PLATFORM_INSTAGRAM,
    MS_PLATFORM_LINKEDIN,
    MS_PLATFORM_TIKTOK,
    MS_PLATFORM_YOUTUBE,
    MS_PLATFORM_X,
    MS_PLATFORM_COUNT
} ms_platform;

typedef enum ms_kind {
    MS_KIND_PUBLIC_COMMENT = 0, /* seen by everyone: answered first (2.22) */
    MS_KIND_REPLY,              /* a reply in a public thread */
    MS_KIND_INBOX_MESSAGE,      /* private message to a whg account */
    MS_KIND_EXTERNAL_MENTION,   /* on a page whg does not own (2.29) */
    MS_KIND_COUNT
} ms_kind;

typedef struct ms_author {
    ms_str id, handle, display_name;
} ms_author;

typedef struct ms_mention {
    ms_str id;
    ms_platform platform;
    ms_kind kind;
    bool page_owned;          /* whg owns the page the text appeared on */
    ms_author author;
    ms_str text;              /* UTF-8 expected; invalid bytes tolerated */
    int64_t created_at_ms;    /* ms since the Unix epoch; 0 when unknown */
    ms_str post_id, parent_id, permalink, language;
    /* Not on the wire: when mentionsift received it (the Kafka record's
     * timestamp, or the clock), the deadline's start when created_at_ms is
     * unknown; 0 when neither is known. Set by the caller of the engine. */
    int64_t received_at_ms;
} ms_mention;

/*
 * Categories. The first group are the House Rules grounds of 2.2 / 2.23:
 * any hit is queued for the Specialist's review (never deleted here, 2.3).
 */
typedef enum ms_category {
    MS_CAT_PROFANITY = 0,      /* profanity, offensive or aggressive language (2.2, 2.23) */
    MS_CAT_HATE,               /* racism, sexism, homophobia, other hate speech (2.2, 4.1) */
    MS_CAT_RELIGION_POLITICS,  /* religious or political comments which could offend (2.2) */
    MS_CAT_COLLEAGUE,          /* naming colleagues or their family (2.2, 2.23) */
    MS_CAT_SEXUAL_GRAPHIC,     /* pornographic or graphic content (2.2) */
    MS_CAT_MALICIOUS_LINK,     /* links to spam or virus sites (2.2) */
    MS_CAT_DETRIMENTAL,        /* threats, harassment, defamation (2.2, 2.23) */
    MS_CAT_ADVERTISING,        /* advertisements and spam (2.2, 2.23) */
    MS_CAT_MISINFORMATION,     /* misinformation / fake news (2.2, 2.12) */
    MS_CAT_PERSONAL_INFO,      /* phone numbers, addresses, ... (2.2, 2.27) */
    /* service categories: what needs a response */
    MS_CAT_COMPLAINT,          /* acknowledge within 48 h (2.25) */
    MS_CAT_REPAIR,             /* redirect to repairs, never removed (2.26) */
    MS_CAT_CONSENT_WITHDRAWAL, /* take the photo/video down (2.14) */
    MS_CAT_INDIVIDUAL_CASE,    /* a case of one's own to discuss, not a repair: a neighbour
                                * nuisance, arrears, an eviction: told the route (2.26) */
    MS_CAT_QUESTION,           /* answer on the post (2.28) */
    MS_CAT_POSITIVE,           /* thank (2.28) */
    MS_CAT_NEGATIVE,           /* negative, not a complaint: reviewed (2.2) */
    MS_CAT_EXTERNAL,           /* not on a whg page: case by case (2.29) */
    MS_CAT_VIP,                /* author is a councillor, MP, press (2.18, 2.22) */
    MS_CAT_OTHER,              /* none of the above */
    MS_CAT_COUNT
} ms_category;

/** House Rules grounds are the categories below this one. */
#define MS_CAT_HOUSE_RULES_END MS_CAT_COMPLAINT

typedef enum ms_action {
    MS_ACTION_NONE = 0,
    MS_ACTION_REVIEW_FOR_REMOVAL,        /* Specialist decides (2.3) */
    MS_ACTION_ACKNOWLEDGE,               /* within 48 h (2.25) */
    MS_ACTION_REDIRECT_TO_REPAIRS,       /* 2.26 */
    MS_ACTION_TAKE_DOWN_ON_REQUEST,      /* 2.14 */
    MS_ACTION_ASK_TO_INBOX,              /* 2.27 */
    MS_ACTION_FLAG_FOR_REVIEW,           /* misinformation: never decided alone */
    MS_ACTION_ANSWER_PUBLICLY,           /* 2.28 */
    MS_ACTION_THANK,                     /* 2.28 */
    MS_ACTION_REVIEW_CASE_BY_CASE,       /* 2.29 */
    MS_ACTION_ESCALATE_TO_COMMUNICATIONS,/* urgent, 2.22 */
    MS_ACTION_REPLY_IN_INBOX,            /* an inbox message's question: answered
                                          * where it was asked (2.22, 2.27) */
    MS_ACTION_COUNT
} ms_action;

/*
 * What the policy allows the Specialist to do with the comment (2.3), for
 * whoever reviews the moderation queue. Only an event with a House Rules
 * ground has an answer other than NONE.
 */
typedef enum ms_removal {
    MS_REMOVAL_NONE = 0,   /* no House Rules ground: nothing to decide */
    MS_REMOVAL_REVIEW,     /* the Specialist may remove it, after advice (2.3, 2.23) */
    MS_REMOVAL_NEVER,      /* must stay: a repair report, even when a complaint
                            * (2.26), or a welfare concern (never_remove rules) */
    MS_REMOVAL_NOT_OURS,   /* not on a whg page: nothing whg can remove (2.29) */
    MS_REMOVAL_COUNT
} ms_removal;

typedef enum ms_priority {
    MS_PRIORITY_URGENT = 0, /* emergency repair, threat, VIP author (2.22) */
    MS_PRIORITY_HIGH,       /* public comment needing a response (2.22) */
    MS_PRIORITY_NORMAL,     /* inbox message needing a response */
    MS_PRIORITY_LOW,        /* no response needed */
    MS_PRIORITY_COUNT
} ms_priority;

typedef enum ms_urgency {
    MS_URGENCY_NONE = 0,
    MS_URGENCY_ROUTINE,
    MS_URGENCY_URGENT,
    MS_URGENCY_EMERGENCY,
    MS_URGENCY_COUNT
} ms_urgency;

typedef enum ms_pii_kind {
    MS_PII_PHONE = 0,
    MS_PII_EMAIL,
    MS_PII_POSTCODE,
    MS_PII_ADDRESS,
    MS_PII_NI_NUMBER,
    MS_PII_BANK,
    MS_PII_COUNT
} ms_pii_kind;

/** One piece of evidence: which rule, and where in the ORIGINAL text. */
typedef struct ms_evidence {
    uint32_t rule;            /* index into the rule set's rules */
    uint32_t start, end;      /* byte offsets into the original text */
} ms_evidence;

#define MS_MAX_EVIDENCE 6

typedef struct ms_label {
    float score;
    uint8_t n_evidence;
    uint8_t dropped_evidence; /* hits beyond MS_MAX_EVIDENCE, saturating */
    ms_evidence evidence[MS_MAX_EVIDENCE];
} ms_label;

typedef struct ms_redaction {
    ms_pii_kind kind;
    uint32_t start, end;      /* byte offsets into the original text */
    /* found by a rule too weak to label its category alone ("flat 3"):
     * kept only if the category is labelled (ms_heuristics_apply) */
    bool weak;
    uint8_t category;         /* the finding rule's, for `weak` */
} ms_redaction;

#define MS_MAX_REDACTIONS 16

typedef struct ms_sentiment {
    float compound;           /* [-1, 1] */
    float pos, neg, neu;      /* proportions, sum to 1 */
} ms_sentiment;

/** The engine's decision for one mention. Owned and reused by the caller. */
typedef struct ms_verdict {
    uint32_t labels;          /* bit (1u << ms_category) set for each label */
    ms_label label[MS_CAT_COUNT];
    ms_category primary;
    ms_action action;
    ms_priority priority;
    ms_urgency repair_urgency;
    bool urgent;
    ms_removal removal;
    const char *removal_clause; /* the clause behind `removal`; "" for NONE */
    int64_t respond_by_ms;    /* 0 when the policy sets no deadline */
    ms_sentiment sentiment;
    uint8_t n_redactions;
    /* spans found once all MS_MAX_REDACTIONS were taken: each was merged
     * into the nearest span, which then also covers the text between them
     * (more is masked, nothing is let through); saturating */
    uint8_t merged_redactions;
    ms_redaction redaction[MS_MAX_REDACTIONS];
    uint32_t text_bytes_scanned; /* less than the text when it was truncated */
} ms_verdict;

static inline bool ms_verdict_has(const ms_verdict *v, ms_category c)
{
    return (v->labels >> c) & 1u;
}

const char *ms_platform_name(ms_platform p);
const char *ms_kind_name(ms_kind k);
const char *ms_category_name(ms_category c);
const char *ms_action_name(ms_action a);
const char *ms_priority_name(ms_priority p);
const char *ms_urgency_name(ms_urgency u);
const char *ms_pii_kind_name(ms_pii_kind k);
const char *ms_removal_name(ms_removal r);

/** Parse wire names; return false when the name is unknown. */
bool ms_platform_parse(const char *s, size_t n, ms_platform *out);
bool ms_kind_parse(const char *s, size_t n, ms_kind *out);
bool ms_category_parse(const char *s, size_t n, ms_category *out);
bool ms_action_parse(const char *s, size_t n, ms_action *out);
bool ms_urgency_parse(const char *s, size_t n, ms_urgency *out);
bool ms_pii_kind_parse(const char *s, size_t n, ms_pii_kind *out);

#endif
