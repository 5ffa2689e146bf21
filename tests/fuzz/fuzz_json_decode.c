/*
 * fuzz_json_decode.c - libFuzzer target for the JSON Mention decoder
 * (src/decode/json_in.c through ms_decode_mention(MS_ENC_JSON)).
 *
 * Input: arbitrary bytes, as they would arrive in a Kafka record value.
 * Checks, abort()ing on violation (see fuzz_common.h):
 *   - no memory error or undefined behaviour (ASan/UBSan);
 *   - a rejected document comes with a printable error message;
 *   - an accepted one has usable views and enums in range, and round-trips:
 *     JSON encode -> decode gives the same fields (invalid UTF-8 as U+FFFD),
 *     the encoding is canonical (re-encoding gives the same bytes), our own
 *     JSON decodes as AUTO too, and protobuf encode -> decode gives the same
 *     fields with strings cut at NUL;
 *   - MS_ENC_AUTO agrees with the format it picks for these bytes.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decoders *d = fuzz_decoders_get();
    ms_mention m;
    ms_codec_error err;
    if (ms_decode_mention(d->a, MS_ENC_JSON, data, size, &m, &err)) {
        fuzz_check_views(&m, "JSON decode");
        fuzz_round_trip(d, &m);
    } else {
        fuzz_check_error(&err, "JSON decode");
    }
    fuzz_check_auto(d, data, size);
    return 0;
}
