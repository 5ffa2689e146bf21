/*
 * decoders.h - the two decoders behind ms_decode_mention (codec.h), for
 * decoder.c, which picks one per event. Each owns its reusable memory; one
 * per thread; the mention's views point into it until the next decode.
 */
#ifndef MS_DECODERS_H
#define MS_DECODERS_H

#include "core/codec.h"

typedef struct ms_json_decoder ms_json_decoder;
ms_json_decoder *ms_json_decoder_new(void);
void ms_json_decoder_free(ms_json_decoder *d);
/** @brief Decode one JSON Mention; false with `err` naming byte or field. */
bool ms_json_decode_mention(ms_json_decoder *d, const char *js, size_t len, ms_mention *out,
                            ms_codec_error *err);

typedef struct ms_pb_decoder ms_pb_decoder;
ms_pb_decoder *ms_pb_decoder_new(void);
void ms_pb_decoder_free(ms_pb_decoder *d);
/** @brief Decode one protobuf Mention; false with `err` on failure. */
bool ms_pb_decode_mention(ms_pb_decoder *d, const void *data, size_t len, ms_mention *out,
                          ms_codec_error *err);

#endif
