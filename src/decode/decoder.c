/*
 * decoder.c - the ms_decoder object of codec.h and format detection.
 *
 * Design
 * ------
 * An ms_decoder is a pair of format decoders: the JSON one (json_in.c: jsmn
 * tokens plus an unescaped-string buffer) and the protobuf one (pb_in.c: an
 * arena for protobuf-c). Each keeps its own memory, so alternating formats on
 * one decoder does not make either give up what it has grown to. The views
 * of a decoded mention point into the memory of the format that decoded it,
 * and every decode resets only that format's memory; codec.h still only
 * promises the views until the next decode of any format.
 *
 * MS_ENC_AUTO: '{' as the first byte after optional whitespace (and an
 * optional UTF-8 byte order mark) means JSON, anything else protobuf. That
 * rule has one ambiguity: a protobuf Mention starts with tag 0x0A ('\n') for
 * `id`, followed by the id's length, so an id of exactly 123 bytes begins
 * "\n{". When JSON was chosen only after skipping whitespace and it fails,
 * protobuf is tried too, and the JSON error is kept if that fails as well.
 * A document starting with '{' itself is never protobuf (it would be field
 * 15 with the deprecated group wire type). Input that is only whitespace is
 * refused rather than read as protobuf (two spaces are a valid Mention:
 * field 4 = 32), and an input that fails as protobuf but starts like a JSON
 * array or string is reported as JSON that is not an object.
 *
 * Whatever the format, a decoded mention's created_at must be a time a post
 * can have (0, unknown, or 1970 to 9999): the deadline arithmetic of
 * decide.c must not overflow on a hostile timestamp.
 */
#include "core/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decoders.h"

struct ms_decoder {
    ms_json_decoder *json;
    ms_pb_decoder *pb;
};

/** @brief Create a decoder; NULL on ENOMEM. */
ms_decoder *ms_decoder_new(void)
{
    ms_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->json = ms_json_decoder_new();
    d->pb = ms_pb_decoder_new();
    if (!d->json || !d->pb) {
        ms_decoder_free(d);
        return NULL;
    }
    return d;
}

/** @brief Free a decoder and all memory its decoded mentions pointed into. */
void ms_decoder_free(ms_decoder *d)
{
    if (!d)
        return;
    ms_json_decoder_free(d->json);
    ms_pb_decoder_free(d->pb);
    free(d);
}

/** @brief Offset of the first byte after an optional BOM and whitespace. */
static size_t ms_decode_first_byte(const char *s, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/** @brief Decode with format detection (see the head comment). */
static bool ms_decode_auto(ms_decoder *d, const char *s, size_t len, ms_mention *out,
                           ms_codec_error *err)
{
    if (len == 0) {
        snprintf(err->msg, sizeof err->msg, "empty input");
        return false;
    }
    size_t first = ms_decode_first_byte(s, len);
    if (first >= len) {
        snprintf(err->msg, sizeof err->msg, "input of %zu bytes is only whitespace", len);
        return false;
    }
    if (s[first] != '{') {
        if (ms_pb_decode_mention(d->pb, s, len, out, err))
            return true;
        if (s[first] == '[' || s[first] == '"')
            snprintf(err->msg, sizeof err->msg,
                     "invalid JSON: the top level is %s, not an object (nor is it protobuf)",
                     s[first] == '[' ? "an array" : "a string");
        return false;
    }
    if (ms_json_decode_mention(d->json, s, len, out, err))
        return true;
    if (first == 0)
        return false;
    ms_codec_error pb_err;
    if (!ms_pb_decode_mention(d->pb, s, len, out, &pb_err))
        return false; /* report the JSON error: JSON was the better guess */
    err->msg[0] = '\0';
    return true;
}

/* 9999-12-31T23:59:59.999Z: the last instant ISO 8601 writes with four digits. */
#define MS_CREATED_AT_MAX_MS 253402300799999LL

/** @brief Whether the decoded mention's fields are in range; the reason in `err` if not. */
static bool ms_mention_in_range(const ms_mention *m, ms_codec_error *err)
{
    if (m->created_at_ms < 0 || m->created_at_ms > MS_CREATED_AT_MAX_MS) {
        snprintf(err->msg, sizeof err->msg,
                 "field 'created_at': %lld is not a time in ms since 1970 (0 to %lld)",
                 (long long)m->created_at_ms, (long long)MS_CREATED_AT_MAX_MS);
        return false;
    }
    return true;
}

/** @brief Decode one Mention; see codec.h. */
bool ms_decode_mention(ms_decoder *d, ms_encoding enc, const void *data, size_t len,
                       ms_mention *out, ms_codec_error *err)
{
    ms_codec_error scratch;
    if (!err)
        err = &scratch;
    err->msg[0] = '\0';
    if (!d || !out || (!data && len)) {
        snprintf(err->msg, sizeof err->msg, "invalid arguments to ms_decode_mention");
        return false;
    }
    const char *s = data ? data : "";
    bool ok;
    switch (enc) {
    case MS_ENC_JSON: ok = ms_json_decode_mention(d->json, s, len, out, err); break;
    case MS_ENC_PROTOBUF: ok = ms_pb_decode_mention(d->pb, s, len, out, err); break;
    case MS_ENC_AUTO: ok = ms_decode_auto(d, s, len, out, err); break;
    default:
        snprintf(err->msg, sizeof err->msg, "unknown encoding %d", (int)enc);
        return false;
    }
    return ok && ms_mention_in_range(out, err);
}
