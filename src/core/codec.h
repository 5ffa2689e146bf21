/*
 * codec.h - decoding Mention events and encoding Classified events, in JSON
 * (one object per line) and protobuf (proto/mention.proto).
 *
 * Decoding: an ms_decoder owns the memory that a decoded ms_mention's string
 * views point into; the views stay valid until the next decode on the same
 * decoder. Decoders grow to the largest event seen and then do not allocate.
 * One decoder per thread; not re-entrant.
 *
 * Errors name where and why ("byte 17: expected ':' after key", "field
 * 'created_at': not an integer") in `err`, so the caller can dead-letter the
 * event with that reason. Unknown JSON fields are ignored (forward
 * compatibility); a missing or empty `text` is valid (empty text).
 */
#ifndef MS_CODEC_H
#define MS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/mention.h"

typedef struct ms_ruleset ms_ruleset;
typedef struct ms_decoder ms_decoder;

typedef enum ms_encoding {
    MS_ENC_JSON = 0,
    MS_ENC_PROTOBUF,
    MS_ENC_AUTO, /* decode only: '{' after optional whitespace means JSON */
} ms_encoding;

typedef struct ms_codec_error {
    char msg[256];
} ms_codec_error;

ms_decoder *ms_decoder_new(void);
void ms_decoder_free(ms_decoder *d);

/** @brief Decode one Mention from `len` bytes. False with `err` on failure. */
bool ms_decode_mention(ms_decoder *d, ms_encoding enc, const void *data,
                       size_t len, ms_mention *out, ms_codec_error *err);

/** @brief Encode one Mention (used by the firehose generator and tests). */
bool ms_encode_mention(ms_buf *out, ms_encoding enc, const ms_mention *m);

/** What the encoder needs besides the mention and verdict. */
typedef struct ms_encode_ctx {
    const ms_ruleset *rules;  /* rule ids, clauses, version */
    int64_t classified_at_ms;
    bool redact;              /* mask redaction spans in the text (default on) */
} ms_encode_ctx;

/**
 * @brief Encode one Classified event. Redacted spans are replaced byte for
 * byte with '*', so evidence offsets stay valid in the output text where
 * the original is valid UTF-8 without NUL. Otherwise protobuf writes each
 * invalid byte and each NUL as '?' (offsets still hold), while JSON writes
 * an invalid byte as \ufffd (three bytes once decoded: the offsets are the
 * original text's, as proto/mention.proto says) and a NUL as \u0000.
 */
bool ms_encode_classified(ms_buf *out, ms_encoding enc, const ms_encode_ctx *ctx,
                          const ms_mention *m, const ms_verdict *v);

/* A repeat offender (2.24): an author whose House Rules violations within
 * the window reached the threshold, with the violations kept as proof. */
struct ms_offence;
typedef struct ms_repeat_offender {
    ms_str author_id;
    uint32_t violations, threshold;
    int64_t window_ms, detected_at_ms;
    const struct ms_offence *offences; /* oldest first (decide/offenders.h) */
    size_t n_offences;
} ms_repeat_offender;

/**
 * @brief Encode one RepeatOffender record (action review_for_block, clause
 * 2.24); appends to `out`.
 */
bool ms_encode_repeat_offender(ms_buf *out, ms_encoding enc, const ms_repeat_offender *r);

#endif
