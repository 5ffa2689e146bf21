/*
 * pb_out.c - protobuf encoding of Mention and Classified events
 * (proto/mention.proto), called by the entry points in json_out.c, which
 * have already validated the input.
 *
 * Design
 * ------
 * Messages are built from protobuf-c's generated structs on the stack - the
 * Classified message with up to MS_CAT_COUNT labels of up to MS_MAX_EVIDENCE
 * evidence each is a few KiB - and packed with protobuf_c_message_pack(), so
 * nothing is allocated except by `out` growing.
 *
 * protobuf-c wants NUL-terminated strings; ms_str views are not. The nine
 * strings of the mention are therefore staged as NUL-terminated copies in
 * `out` itself, after whatever the caller already has there (the redaction
 * mask is applied to the staged copy of the text). The message is packed
 * after the staged copies and then moved down over them. Reserving room for
 * the packed bytes may move `out`'s data, so the string pointers are set
 * once to measure the packed size and again after the reserve. Names of
 * enums, rule ids and clauses are already C strings and are pointed at
 * directly; "rule#N" (no rule set) is formatted into a stack array.
 *
 * Sizing: protobuf-c's get_packed_size walks the whole message tree, and
 * pack walks it again calling get_packed_size on every sub-message for its
 * length prefix, so measuring a Classified event exactly before packing it
 * cost a third of its encoding (bench_codec). A Classified event is
 * therefore packed into room reserved from an upper bound counted while the
 * message is filled: every field costs at most MS_PB_FIELD_MAX bytes besides
 * its string bytes (a tag of at most 5 bytes, then a varint of at most 10 -
 * a negative int64 - or a length prefix, or 4 bytes of float), every
 * sub-message is a field of its parent, and there are no repeated scalars in
 * Classified. So bound = MS_PB_FIELD_MAX x (fields of every message in the
 * tree + one per sub-message) + the bytes of every string. Packing past the
 * bound would mean that argument is wrong; it is checked after packing and
 * aborts rather than carry on over a corrupted heap. Other messages are
 * measured exactly: they are rare (mentions from the firehose, offender
 * records).
 *
 * Limitation of protobuf-c: a string with an embedded NUL byte is cut at it.
 * Floats are sent as they are except NaN (as 0) and infinities (clamped to
 * +-1e6), matching the JSON encoder.
 */
#include "core/codec.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/ruleset.h"
#include "mention.pb-c.h"

#include "core/utf8.h"
#include "decide/offenders.h"
#include "encode/pb_out.h"

/* The mention's strings, in staging order. */
enum {
    MS_PS_ID,
    MS_PS_AUTHOR_ID,
    MS_PS_HANDLE,
    MS_PS_DISPLAY_NAME,
    MS_PS_TEXT,
    MS_PS_POST_ID,
    MS_PS_PARENT_ID,
    MS_PS_PERMALINK,
    MS_PS_LANGUAGE,
    MS_PS_COUNT
};

/* At most this many bytes per field besides a string's bytes (see above). */
#define MS_PB_FIELD_MAX 15u

/** NUL-terminated copies of the mention's strings staged in `out`. */
typedef struct ms_pb_stage {
    size_t base;              /* out->len before staging */
    size_t off[MS_PS_COUNT];  /* offset of each copy from base */
} ms_pb_stage;

/** @brief The mention's string views in staging order. */
static void ms_pb_views(const ms_mention *m, ms_str v[MS_PS_COUNT])
{
    v[MS_PS_ID] = m->id;
    v[MS_PS_AUTHOR_ID] = m->author.id;
    v[MS_PS_HANDLE] = m->author.handle;
    v[MS_PS_DISPLAY_NAME] = m->author.display_name;
    v[MS_PS_TEXT] = m->text;
    v[MS_PS_POST_ID] = m->post_id;
    v[MS_PS_PARENT_ID] = m->parent_id;
    v[MS_PS_PERMALINK] = m->permalink;
    v[MS_PS_LANGUAGE] = m->language;
}

/**
 * @brief Append NUL-terminated copies of the mention's strings to `out`; mask
 * the redaction spans of `v` in the text copy when `v` is not NULL.
 */
/**
 * @brief Replace each byte of `s` that does not start a valid UTF-8
 * sequence with '?', one byte for one so that byte offsets into the text
 * still hold: proto3 strings must be UTF-8 (strict parsers refuse others),
 * and texts, ids, a record's key and headers are any bytes.
 */
static void ms_pb_utf8_clean(char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = ms_utf8_len((const unsigned char *)s + i, n - i);
        if (k == 0) {
            s[i++] = '?';
        } else {
            i += k;
        }
    }
}

/* Stage the mention's strings in `out` (see the top of the file); with `v`
 * mask its redactions in the text, and with `clean` make every string valid
 * UTF-8 (ms_pb_utf8_clean) after masking, as the offsets are the original's. */
static bool ms_pb_stage_strings(ms_buf *out, const ms_mention *m, const ms_verdict *v,
                                bool clean, ms_pb_stage *st)
{
    ms_str views[MS_PS_COUNT];
    ms_pb_views(m, views);
    st->base = out->len;
    for (int i = 0; i < MS_PS_COUNT; i++) {
        st->off[i] = out->len - st->base;
        ms_buf_append(out, views[i].ptr, views[i].len);
        ms_buf_putc(out, '\0');
    }
    if (!ms_buf_ok(out))
        return false;
    /* protobuf-c takes strings NUL-terminated: a NUL inside one (JSON's
     * \u0000) would cut it short of the spans that point past it, so it
     * becomes '?', one byte for one */
    for (int i = 0; i < MS_PS_COUNT; i++) {
        char *str = out->data + st->base + st->off[i];
        for (char *z = memchr(str, '\0', views[i].len); z;
             z = memchr(z, '\0', views[i].len - (size_t)(z - str)))
            *z = '?';
    }
    if (v) {
        char *text = out->data + st->base + st->off[MS_PS_TEXT];
        size_t len = views[MS_PS_TEXT].len;
        size_t nr = v->n_redactions < MS_MAX_REDACTIONS ? v->n_redactions : MS_MAX_REDACTIONS;
        for (size_t i = 0; i < nr; i++) {
            size_t s = v->redaction[i].start, e = v->redaction[i].end;
            if (e > len)
                e = len;
            if (s < e)
                memset(text + s, '*', e - s);
        }
    }
    for (int i = 0; clean && i < MS_PS_COUNT; i++)
        ms_pb_utf8_clean(out->data + st->base + st->off[i]);
    return true;
}

/** @brief Point the message's strings at the staged copies in `out`. */
static void ms_pb_point(const ms_buf *out, const ms_pb_stage *st, Mentionsift__Mention *mm,
                        Mentionsift__Author *au)
{
    char *b = out->data + st->base;
    mm->id = b + st->off[MS_PS_ID];
    au->id = b + st->off[MS_PS_AUTHOR_ID];
    au->handle = b + st->off[MS_PS_HANDLE];
    au->display_name = b + st->off[MS_PS_DISPLAY_NAME];
    mm->text = b + st->off[MS_PS_TEXT];
    mm->post_id = b + st->off[MS_PS_POST_ID];
    mm->parent_id = b + st->off[MS_PS_PARENT_ID];
    mm->permalink = b + st->off[MS_PS_PERMALINK];
    mm->language = b + st->off[MS_PS_LANGUAGE];
}

/** @brief Set the mention's non-string fields; author only when non-empty. */
static void ms_pb_fill_mention(Mentionsift__Mention *mm, Mentionsift__Author *au,
                               const ms_mention *m)
{
    mm->platform = (Mentionsift__Platform)m->platform;
    mm->kind = (Mentionsift__Kind)m->kind;
    mm->page_owned = m->page_owned;
    mm->created_at = m->created_at_ms;
    bool has_author = m->author.id.len || m->author.handle.len || m->author.display_name.len;
    mm->author = has_author ? au : NULL;
}

/**
 * @brief Pack `msg` (which contains mm) into `out` over the staged strings,
 * so that `out` ends up holding exactly the packed bytes after st->base.
 * `bound` is an upper bound of the packed size, or 0 to measure it exactly.
 */
static bool ms_pb_pack(ms_buf *out, const ms_pb_stage *st, const ProtobufCMessage *msg,
                       Mentionsift__Mention *mm, Mentionsift__Author *au, size_t bound)
{
    ms_pb_point(out, st, mm, au);
    size_t need = bound ? bound : protobuf_c_message_get_packed_size(msg);
    if (!ms_buf_reserve(out, need))
        return false;
    ms_pb_point(out, st, mm, au); /* the reserve may have moved the data */
    uint8_t *dst = (uint8_t *)out->data + out->len;
    size_t n = protobuf_c_message_pack(msg, dst);
    if (n > need) {
        fprintf(stderr, "pb_out: packed %zu bytes into room for %zu: the size bound is wrong\n",
                n, need);
        abort();
    }
    if (!bound && n != need)
        return false;
    memmove(out->data + st->base, dst, n);
    out->len = st->base + n;
    return true;
}

/**
 * @brief Add to `bound` what one message of type `d` can cost besides its
 * strings: each of its fields, and its own tag and length in its parent.
 */
static void ms_pb_bound_fields(size_t *bound, const ProtobufCMessageDescriptor *d)
{
    *bound += MS_PB_FIELD_MAX * (d->n_fields + 1u);
}

/** @brief A float safe to send: NaN as 0, infinities clamped to +-1e6. */
static float ms_pb_float(float f)
{
    if (isnan(f))
        return 0.0f;
    return f > 1e6f ? 1e6f : f < -1e6f ? -1e6f : f;
}

/** @brief A rule's id and clause; "rule#N" and "" when unknown. */
static void ms_pb_rule(const ms_ruleset *rs, uint32_t idx, char fallback[16], char **id,
                       char **clause)
{
    const ms_rule *r = NULL;
    if (rs && idx < ms_ruleset_rule_count(rs))
        r = ms_ruleset_rule(rs, idx);
    if (r && r->id) {
        *id = (char *)r->id;
        *clause = (char *)(r->clause ? r->clause : "");
        return;
    }
    snprintf(fallback, 16, "rule#%" PRIu32, idx);
    *id = fallback;
    *clause = (char *)"";
}

/** @brief Append one Mention as protobuf to `out`. */
bool ms_pb_encode_mention(ms_buf *out, const ms_mention *m)
{
    Mentionsift__Mention mm = MENTIONSIFT__MENTION__INIT;
    Mentionsift__Author au = MENTIONSIFT__AUTHOR__INIT;
    ms_pb_stage st;
    if (!ms_pb_stage_strings(out, m, NULL, false, &st))
        return false;
    ms_pb_fill_mention(&mm, &au, m);
    return ms_pb_pack(out, &st, &mm.base, &mm, &au, 0);
}

/** @brief Append one Classified event as protobuf to `out`. */
bool ms_pb_encode_classified(ms_buf *out, const ms_encode_ctx *ctx, const ms_mention *m,
                             const ms_verdict *v)
{
    Mentionsift__Classified c = MENTIONSIFT__CLASSIFIED__INIT;
    Mentionsift__Mention mm = MENTIONSIFT__MENTION__INIT;
    Mentionsift__Author au = MENTIONSIFT__AUTHOR__INIT;
    Mentionsift__Sentiment sent = MENTIONSIFT__SENTIMENT__INIT;
    Mentionsift__Label lab[MS_CAT_COUNT];
    Mentionsift__Label *labp[MS_CAT_COUNT];
    Mentionsift__Evidence ev[MS_CAT_COUNT][MS_MAX_EVIDENCE];
    Mentionsift__Evidence *evp[MS_CAT_COUNT][MS_MAX_EVIDENCE];
    char rule_names[MS_CAT_COUNT][MS_MAX_EVIDENCE][16];
    Mentionsift__Redaction red[MS_MAX_REDACTIONS];
    Mentionsift__Redaction *redp[MS_MAX_REDACTIONS];

    ms_pb_stage st;
    if (!ms_pb_stage_strings(out, m, ctx->redact ? v : NULL, true, &st))
        return false;
    ms_pb_fill_mention(&mm, &au, m);
    c.mention = &mm;
    /* the staged strings (NULs included) are more than the mention's string bytes */
    size_t bound = out->len - st.base;
    ms_pb_bound_fields(&bound, &mentionsift__classified__descriptor);
    ms_pb_bound_fields(&bound, &mentionsift__mention__descriptor);
    ms_pb_bound_fields(&bound, &mentionsift__author__descriptor);
    ms_pb_bound_fields(&bound, &mentionsift__sentiment__descriptor);

    size_t nl = 0;
    for (int cat = 0; cat < MS_CAT_COUNT; cat++) {
        if (!ms_verdict_has(v, (ms_category)cat))
            continue;
        const ms_label *l = &v->label[cat];
        Mentionsift__Label *pl = &lab[nl];
        mentionsift__label__init(pl);
        pl->category = (char *)ms_category_name((ms_category)cat);
        pl->score = ms_pb_float(l->score);
        ms_pb_bound_fields(&bound, &mentionsift__label__descriptor);
        bound += strlen(pl->category);
        size_t ne = l->n_evidence < MS_MAX_EVIDENCE ? l->n_evidence : MS_MAX_EVIDENCE;
        for (size_t i = 0; i < ne; i++) {
            Mentionsift__Evidence *pe = &ev[nl][i];
            mentionsift__evidence__init(pe);
            ms_pb_rule(ctx->rules, l->evidence[i].rule, rule_names[nl][i], &pe->rule,
                       &pe->clause);
            pe->start = l->evidence[i].start;
            pe->end = l->evidence[i].end;
            evp[nl][i] = pe;
            ms_pb_bound_fields(&bound, &mentionsift__evidence__descriptor);
            bound += strlen(pe->rule) + strlen(pe->clause);
        }
        pl->n_evidence = ne;
        pl->evidence = ne ? evp[nl] : NULL;
        pl->evidence_dropped = l->dropped_evidence;
        labp[nl++] = pl;
    }
    c.n_labels = nl;
    c.labels = nl ? labp : NULL;

    c.primary = (char *)ms_category_name(v->primary);
    c.action = (char *)ms_action_name(v->action);
    c.priority = (char *)ms_priority_name(v->priority);
    c.respond_by = v->respond_by_ms;
    sent.compound = ms_pb_float(v->sentiment.compound);
    sent.pos = ms_pb_float(v->sentiment.pos);
    sent.neg = ms_pb_float(v->sentiment.neg);
    sent.neu = ms_pb_float(v->sentiment.neu);
    c.sentiment = &sent;

    size_t nr = v->n_redactions < MS_MAX_REDACTIONS ? v->n_redactions : MS_MAX_REDACTIONS;
    for (size_t i = 0; i < nr; i++) {
        mentionsift__redaction__init(&red[i]);
        red[i].kind = (char *)ms_pii_kind_name(v->redaction[i].kind);
        red[i].start = v->redaction[i].start;
        red[i].end = v->redaction[i].end;
        redp[i] = &red[i];
        ms_pb_bound_fields(&bound, &mentionsift__redaction__descriptor);
        bound += strlen(red[i].kind);
    }
    c.n_redactions = nr;
    c.redactions = nr ? redp : NULL;

    const char *version = ctx->rules ? ms_ruleset_version(ctx->rules) : NULL;
    c.ruleset_version = (char *)(version ? version : "");
    c.urgent = v->urgent;
    c.repair_urgency = (char *)ms_urgency_name(v->repair_urgency);
    c.classified_at = ctx->classified_at_ms;
    c.removal = (char *)ms_removal_name(v->removal);
    c.removal_clause = (char *)(v->removal_clause ? v->removal_clause : "");
    bound += strlen(c.primary) + strlen(c.action) + strlen(c.priority) +
             strlen(c.ruleset_version) + strlen(c.repair_urgency) + strlen(c.removal) +
             strlen(c.removal_clause);
    return ms_pb_pack(out, &st, &c.base, &mm, &au, bound);
}

/** @brief Append one RepeatOffender record as protobuf to `out`. */
bool ms_pb_encode_repeat_offender(ms_buf *out, const ms_repeat_offender *r)
{
    enum { MAX_RULES = 32 };
    Mentionsift__RepeatOffender ro = MENTIONSIFT__REPEAT_OFFENDER__INIT;
    Mentionsift__Offence off[MS_OFFENCES_KEPT];
    Mentionsift__Offence *offp[MS_OFFENCES_KEPT];
    char rules[MS_OFFENCES_KEPT][MS_OFFENCE_RULES_MAX + 1];
    char ids[MS_OFFENCES_KEPT][MS_OFFENCE_ID_MAX + 1];
    char *rulep[MS_OFFENCES_KEPT][MAX_RULES];
    char author[MS_OFFENDER_ID_MAX + 1];
    size_t an = r->author_id.len < MS_OFFENDER_ID_MAX ? r->author_id.len : MS_OFFENDER_ID_MAX;
    if (an)
        memcpy(author, r->author_id.ptr, an);
    author[an] = '\0';
    ms_pb_utf8_clean(author);
    size_t n = r->n_offences < MS_OFFENCES_KEPT ? r->n_offences : MS_OFFENCES_KEPT;
    for (size_t i = 0; i < n; i++) {
        mentionsift__offence__init(&off[i]);
        snprintf(ids[i], sizeof ids[i], "%s", r->offences[i].event_id);
        ms_pb_utf8_clean(ids[i]);
        off[i].event_id = ids[i];
        off[i].at = r->offences[i].at_ms;
        /* the comma-separated list, cut in place in a copy */
        snprintf(rules[i], sizeof rules[i], "%s", r->offences[i].rules);
        ms_pb_utf8_clean(rules[i]);
        size_t k = 0;
        for (char *p = rules[i]; *p && k < MAX_RULES;) {
            rulep[i][k++] = p;
            char *comma = strchr(p, ',');
            if (!comma)
                break;
            *comma = '\0';
            p = comma + 1;
        }
        off[i].rules = rulep[i];
        off[i].n_rules = k;
        offp[i] = &off[i];
    }
    ro.author_id = author;
    ro.violations = r->violations;
    ro.threshold = r->threshold;
    ro.window_ms = r->window_ms;
    ro.action = (char *)"review_for_block";
    ro.clause = (char *)"2.24";
    ro.offences = offp;
    ro.n_offences = n;
    ro.detected_at = r->detected_at_ms;
    size_t need = protobuf_c_message_get_packed_size(&ro.base);
    if (!ms_buf_reserve(out, need))
        return false;
    size_t packed = protobuf_c_message_pack(&ro.base, (uint8_t *)out->data + out->len);
    if (packed != need)
        return false;
    out->len += packed;
    return true;
}
