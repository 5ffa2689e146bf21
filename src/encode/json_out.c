/*
 * json_out.c - ms_encode_mention() and ms_encode_classified() (codec.h): the
 * entry points for both formats, and the JSON encoding.
 *
 * Design
 * ------
 * The public functions validate their input once (enums in range, views with
 * a pointer when they have a length), then hand over to the JSON code here
 * or to pb_out.c. Both APPEND one event to `out` with no trailing newline;
 * on failure they return false and leave `out` as it was (or marked failed
 * by ms_buf on ENOMEM), so a caller can ms_buf_reset() per event or batch
 * events in one buffer. Nothing is allocated except by `out` growing.
 *
 * The output is always valid JSON and valid UTF-8, whatever the input bytes:
 * strings are escaped as they are copied ('"', '\\', control characters as
 * \n, \t, ... or \u00XX), and each byte that is not part of a well-formed
 * UTF-8 sequence (including overlongs, surrogates and code points beyond
 * U+10FFFF) becomes \ufffd. Offsets in the output stay BYTE offsets into the
 * ORIGINAL text, as proto/mention.proto says; only invalid input bytes make
 * the decoded output text differ in length from the original.
 *
 * Classified events: redaction spans are masked byte for byte with '*' on
 * the original bytes (when ctx->redact), so a multi-byte character cut by a
 * span leaves invalid bytes behind it, which come out as \ufffd. Each
 * evidence carries "match", the original text of its span, except where that
 * could leak personal information: never for personal_info labels, never
 * when the span overlaps any redaction span (whether or not the text is
 * masked), never for rules that match the author rather than the text, and
 * not when the span lies outside the text. Floats are written with four
 * decimals by integer arithmetic (no locale, no NaN or infinity: NaN is 0
 * and values are clamped to +-1e6).
 */
#include "core/codec.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "match/ruleset.h"

#include "core/utf8.h"
#include "decide/offenders.h"
#include "encode/json_write.h"
#include "encode/pb_out.h"

/** A redaction span clamped to the text, for masking. */
typedef struct ms_jo_span {
    size_t start, end;
} ms_jo_span;

/** @brief True if the view has a pointer or is empty. */
static bool ms_enc_str_ok(ms_str s)
{
    return s.ptr != NULL || s.len == 0;
}

/** @brief True if every enum in `m` is in range and every view is usable. */
static bool ms_enc_mention_ok(const ms_mention *m)
{
    return (unsigned)m->platform < MS_PLATFORM_COUNT && (unsigned)m->kind < MS_KIND_COUNT &&
           ms_enc_str_ok(m->id) && ms_enc_str_ok(m->author.id) &&
           ms_enc_str_ok(m->author.handle) && ms_enc_str_ok(m->author.display_name) &&
           ms_enc_str_ok(m->text) && ms_enc_str_ok(m->post_id) &&
           ms_enc_str_ok(m->parent_id) && ms_enc_str_ok(m->permalink) &&
           ms_enc_str_ok(m->language);
}

/** @brief True if every enum in `v` is in range. */
static bool ms_enc_verdict_ok(const ms_verdict *v)
{
    if ((unsigned)v->primary >= MS_CAT_COUNT || (unsigned)v->action >= MS_ACTION_COUNT ||
        (unsigned)v->priority >= MS_PRIORITY_COUNT ||
        (unsigned)v->repair_urgency >= MS_URGENCY_COUNT ||
        (unsigned)v->removal >= MS_REMOVAL_COUNT)
        return false;
    size_t n = v->n_redactions < MS_MAX_REDACTIONS ? v->n_redactions : MS_MAX_REDACTIONS;
    for (size_t i = 0; i < n; i++)
        if ((unsigned)v->redaction[i].kind >= MS_PII_COUNT)
            return false;
    return true;
}

/** @brief Append n '*' bytes. */
static void ms_jo_stars(ms_buf *b, size_t n)
{
    static const char stars[] = "****************************************************************";
    while (n > 0) {
        size_t k = n < sizeof stars - 1 ? n : sizeof stars - 1;
        ms_buf_append(b, stars, k);
        n -= k;
    }
}

/** @brief Append text as a JSON string with the (sorted) spans masked. */
static void ms_jo_masked(ms_buf *b, ms_str text, const ms_jo_span *sp, size_t nsp)
{
    ms_buf_putc(b, '"');
    if (text.len == 0) {
        ms_buf_putc(b, '"');
        return;
    }
    size_t pos = 0;
    for (size_t i = 0; i < nsp; i++) {
        if (sp[i].end <= pos)
            continue;
        if (sp[i].start > pos) {
            ms_jo_escaped(b, text.ptr + pos, sp[i].start - pos);
            pos = sp[i].start;
        }
        ms_jo_stars(b, sp[i].end - pos);
        pos = sp[i].end;
    }
    ms_jo_escaped(b, text.ptr + pos, text.len - pos);
    ms_buf_putc(b, '"');
}

/** @brief Append the Mention object; text masked by `sp` (may be empty). */
static void ms_jo_mention(ms_buf *b, const ms_mention *m, const ms_jo_span *sp, size_t nsp)
{
    ms_buf_puts(b, "{\"id\":");
    ms_jo_str(b, m->id);
    ms_buf_printf(b, ",\"platform\":\"%s\",\"kind\":\"%s\",\"page_owned\":%s",
                  ms_platform_name(m->platform), ms_kind_name(m->kind),
                  m->page_owned ? "true" : "false");
    ms_buf_puts(b, ",\"author\":{\"id\":");
    ms_jo_str(b, m->author.id);
    ms_buf_puts(b, ",\"handle\":");
    ms_jo_str(b, m->author.handle);
    ms_buf_puts(b, ",\"display_name\":");
    ms_jo_str(b, m->author.display_name);
    ms_buf_puts(b, "},\"text\":");
    ms_jo_masked(b, m->text, sp, nsp);
    ms_buf_printf(b, ",\"created_at\":%" PRId64 ",\"post_id\":", m->created_at_ms);
    ms_jo_str(b, m->post_id);
    ms_buf_puts(b, ",\"parent_id\":");
    ms_jo_str(b, m->parent_id);
    ms_buf_puts(b, ",\"permalink\":");
    ms_jo_str(b, m->permalink);
    ms_buf_puts(b, ",\"language\":");
    ms_jo_str(b, m->language);
    ms_buf_putc(b, '}');
}

/** @brief The verdict's redaction spans clamped to the text and sorted. */
static size_t ms_jo_spans(const ms_verdict *v, size_t text_len, ms_jo_span *sp)
{
    size_t n = 0;
    size_t nr = v->n_redactions < MS_MAX_REDACTIONS ? v->n_redactions : MS_MAX_REDACTIONS;
    for (size_t i = 0; i < nr; i++) {
        size_t s = v->redaction[i].start, e = v->redaction[i].end;
        if (e > text_len)
            e = text_len;
        if (s >= e)
            continue;
        size_t j = n++;
        while (j > 0 && sp[j - 1].start > s) { /* insertion sort: n <= 16 */
            sp[j] = sp[j - 1];
            j--;
        }
        sp[j] = (ms_jo_span){s, e};
    }
    return n;
}

/** @brief True if [s, e) overlaps any of the verdict's redaction spans. */
static bool ms_jo_redacted(const ms_verdict *v, uint32_t s, uint32_t e)
{
    size_t nr = v->n_redactions < MS_MAX_REDACTIONS ? v->n_redactions : MS_MAX_REDACTIONS;
    for (size_t i = 0; i < nr; i++)
        if (s < v->redaction[i].end && v->redaction[i].start < e)
            return true;
    return false;
}

/**
 * @brief A rule's id, clause and flags; "rule#N", "" and 0 when there is no
 * rule set or no such rule. `fallback` holds the "rule#N" text.
 */
static void ms_jo_rule(const ms_ruleset *rs, uint32_t idx, char fallback[16],
                       const char **id, const char **clause, uint32_t *flags)
{
    const ms_rule *r = NULL;
    if (rs && idx < ms_ruleset_rule_count(rs))
        r = ms_ruleset_rule(rs, idx);
    if (r && r->id) {
        *id = r->id;
        *clause = r->clause ? r->clause : "";
        *flags = r->flags;
        return;
    }
    snprintf(fallback, 16, "rule#%" PRIu32, idx);
    *id = fallback;
    *clause = "";
    *flags = 0;
}

/** @brief Append one label object. */
static void ms_jo_label(ms_buf *b, const ms_encode_ctx *ctx, const ms_mention *m,
                        const ms_verdict *v, ms_category c)
{
    const ms_label *l = &v->label[c];
    ms_buf_printf(b, "{\"category\":\"%s\",\"score\":", ms_category_name(c));
    ms_jo_fixed4(b, l->score);
    ms_buf_puts(b, ",\"evidence\":[");
    size_t ne = l->n_evidence < MS_MAX_EVIDENCE ? l->n_evidence : MS_MAX_EVIDENCE;
    for (size_t i = 0; i < ne; i++) {
        const ms_evidence *ev = &l->evidence[i];
        char fallback[16];
        const char *id, *clause;
        uint32_t flags;
        ms_jo_rule(ctx->rules, ev->rule, fallback, &id, &clause, &flags);
        ms_buf_puts(b, i ? ",{\"rule\":" : "{\"rule\":");
        ms_jo_cstr(b, id);
        ms_buf_puts(b, ",\"clause\":");
        ms_jo_cstr(b, clause);
        ms_buf_printf(b, ",\"start\":%" PRIu32 ",\"end\":%" PRIu32, ev->start, ev->end);
        bool show = c != MS_CAT_PERSONAL_INFO && !(flags & MS_RULE_VIP_AUTHOR) &&
                    ev->start <= ev->end && ev->end <= m->text.len &&
                    !ms_jo_redacted(v, ev->start, ev->end);
        if (show) {
            ms_buf_puts(b, ",\"match\":");
            ms_str slice = {"", 0};
            if (ev->end > ev->start)
                slice = (ms_str){m->text.ptr + ev->start, ev->end - ev->start};
            ms_jo_str(b, slice);
        }
        ms_buf_putc(b, '}');
    }
    ms_buf_printf(b, "],\"evidence_dropped\":%u}", (unsigned)l->dropped_evidence);
}

/** @brief Append one Classified event as a JSON object. */
static void ms_jo_classified(ms_buf *b, const ms_encode_ctx *ctx, const ms_mention *m,
                             const ms_verdict *v)
{
    ms_jo_span sp[MS_MAX_REDACTIONS];
    size_t nsp = ctx->redact ? ms_jo_spans(v, m->text.len, sp) : 0;
    ms_buf_puts(b, "{\"mention\":");
    ms_jo_mention(b, m, sp, nsp);
    ms_buf_puts(b, ",\"labels\":[");
    bool first = true;
    for (int c = 0; c < MS_CAT_COUNT; c++) {
        if (!ms_verdict_has(v, (ms_category)c))
            continue;
        if (!first)
            ms_buf_putc(b, ',');
        first = false;
        ms_jo_label(b, ctx, m, v, (ms_category)c);
    }
    ms_buf_printf(b,
                  "],\"primary\":\"%s\",\"action\":\"%s\",\"priority\":\"%s\","
                  "\"respond_by\":%" PRId64 ",\"urgent\":%s,\"repair_urgency\":\"%s\","
                  "\"removal\":\"%s\",",
                  ms_category_name(v->primary), ms_action_name(v->action),
                  ms_priority_name(v->priority), v->respond_by_ms,
                  v->urgent ? "true" : "false", ms_urgency_name(v->repair_urgency),
                  ms_removal_name(v->removal));
    /* a rule's clause is the rule author's text: escaped like every string */
    ms_jo_key(b, "removal_clause");
    ms_jo_cstr(b, v->removal_clause ? v->removal_clause : "");
    ms_buf_puts(b, ",\"sentiment\":{");
    ms_jo_key(b, "compound");
    ms_jo_fixed4(b, v->sentiment.compound);
    ms_buf_putc(b, ',');
    ms_jo_key(b, "pos");
    ms_jo_fixed4(b, v->sentiment.pos);
    ms_buf_putc(b, ',');
    ms_jo_key(b, "neg");
    ms_jo_fixed4(b, v->sentiment.neg);
    ms_buf_putc(b, ',');
    ms_jo_key(b, "neu");
    ms_jo_fixed4(b, v->sentiment.neu);
    ms_buf_puts(b, "},\"redactions\":[");
    size_t nr = v->n_redactions < MS_MAX_REDACTIONS ? v->n_redactions : MS_MAX_REDACTIONS;
    for (size_t i = 0; i < nr; i++) {
        const ms_redaction *r = &v->redaction[i];
        ms_buf_printf(b, "%s{\"kind\":\"%s\",\"start\":%" PRIu32 ",\"end\":%" PRIu32 "}",
                      i ? "," : "", ms_pii_kind_name(r->kind), r->start, r->end);
    }
    ms_buf_puts(b, "],\"ruleset_version\":");
    ms_jo_cstr(b, ctx->rules ? ms_ruleset_version(ctx->rules) : "");
    ms_buf_printf(b, ",\"classified_at\":%" PRId64 "}", ctx->classified_at_ms);
}

/** @brief Encode one Mention; see codec.h. Appends to `out`. */
bool ms_encode_mention(ms_buf *out, ms_encoding enc, const ms_mention *m)
{
    if (!out || !m || !ms_buf_ok(out) || !ms_enc_mention_ok(m))
        return false;
    size_t base = out->len;
    bool ok = false;
    if (enc == MS_ENC_JSON) {
        ms_jo_mention(out, m, NULL, 0);
        ok = true;
    } else if (enc == MS_ENC_PROTOBUF) {
        ok = ms_pb_encode_mention(out, m);
    }
    if (ok && ms_buf_ok(out))
        return true;
    out->len = base;
    return false;
}

/** @brief Encode one Classified event; see codec.h. Appends to `out`. */
bool ms_encode_classified(ms_buf *out, ms_encoding enc, const ms_encode_ctx *ctx,
                          const ms_mention *m, const ms_verdict *v)
{
    static const ms_encode_ctx defaults = {.rules = NULL, .classified_at_ms = 0, .redact = true};
    if (!ctx)
        ctx = &defaults;
    if (!out || !m || !v || !ms_buf_ok(out) || !ms_enc_mention_ok(m) || !ms_enc_verdict_ok(v))
        return false;
    size_t base = out->len;
    bool ok = false;
    if (enc == MS_ENC_JSON) {
        ms_jo_classified(out, ctx, m, v);
        ok = true;
    } else if (enc == MS_ENC_PROTOBUF) {
        ok = ms_pb_encode_classified(out, ctx, m, v);
    }
    if (ok && ms_buf_ok(out))
        return true;
    out->len = base;
    return false;
}

/** @brief Append one RepeatOffender record as a JSON object. */
static void ms_jo_repeat_offender(ms_buf *b, const ms_repeat_offender *r)
{
    ms_buf_putc(b, '{');
    ms_jo_key(b, "author_id");
    ms_jo_str(b, r->author_id);
    ms_buf_printf(b, ",\"violations\":%" PRIu32 ",\"threshold\":%" PRIu32
                     ",\"window_ms\":%" PRId64 ",\"action\":\"review_for_block\","
                     "\"clause\":\"2.24\",\"offences\":[",
                  r->violations, r->threshold, r->window_ms);
    for (size_t i = 0; i < r->n_offences; i++) {
        const ms_offence *o = &r->offences[i];
        ms_buf_puts(b, i ? ",{" : "{");
        ms_jo_key(b, "event_id");
        ms_jo_cstr(b, o->event_id);
        ms_buf_printf(b, ",\"at\":%" PRId64 ",\"rules\":[", o->at_ms);
        const char *p = o->rules;
        for (bool first = true; *p; first = false) {
            const char *comma = strchr(p, ',');
            size_t n = comma ? (size_t)(comma - p) : strlen(p);
            if (!first)
                ms_buf_putc(b, ',');
            ms_jo_str(b, (ms_str){p, n});
            p += n + (comma ? 1 : 0);
        }
        ms_buf_puts(b, "]}");
    }
    ms_buf_printf(b, "],\"detected_at\":%" PRId64 "}", r->detected_at_ms);
}

/** @brief Encode one RepeatOffender record; see codec.h. Appends to `out`. */
bool ms_encode_repeat_offender(ms_buf *out, ms_encoding enc, const ms_repeat_offender *r)
{
    if (!out || !r || !ms_buf_ok(out) || !ms_enc_str_ok(r->author_id) ||
        (r->n_offences && !r->offences))
        return false;
    size_t base = out->len;
    bool ok = false;
    if (enc == MS_ENC_JSON) {
        ms_jo_repeat_offender(out, r);
        ok = true;
    } else if (enc == MS_ENC_PROTOBUF) {
        ok = ms_pb_encode_repeat_offender(out, r);
    }
    if (ok && ms_buf_ok(out))
        return true;
    out->len = base;
    return false;
}
