/*
 * fuzz_pb_decode.c - libFuzzer target for the protobuf Mention decoder
 * (src/decode/pb_in.c, protobuf-c with the decoder's arena allocator) and
 * for format detection (MS_ENC_AUTO, src/decode/decoder.c).
 *
 * Input: arbitrary bytes, as they would arrive in a Kafka record value.
 * Checks, abort()ing on violation (see fuzz_common.h):
 *   - no memory error or undefined behaviour (ASan/UBSan), including in the
 *     arena's spill path (many repeated or unknown fields);
 *   - a rejected message comes with a printable error message;
 *   - an accepted one has usable views and enums in range, and round-trips
 *     through protobuf (same fields, canonical bytes) and through JSON
 *     (same fields, invalid UTF-8 as U+FFFD);
 *   - MS_ENC_AUTO agrees with protobuf for input not starting with '{', with
 *     JSON for input starting with '{', and falls back to protobuf only when
 *     whitespace came first; whatever AUTO accepts round-trips too.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decoders *d = fuzz_decoders_get();
    ms_mention m;
    ms_codec_error err;
    if (ms_decode_mention(d->a, MS_ENC_PROTOBUF, data, size, &m, &err)) {
        fuzz_check_views(&m, "protobuf decode");
        fuzz_round_trip(d, &m);
    } else {
        fuzz_check_error(&err, "protobuf decode");
    }
    fuzz_check_auto(d, data, size);
    if (ms_decode_mention(d->a, MS_ENC_AUTO, data, size, &m, &err))
        fuzz_round_trip(d, &m);
    return 0;
}
