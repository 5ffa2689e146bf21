/*
 * pb_out.h - the protobuf half of the encoders in codec.h, called by
 * json_out.c's public entry points after they validated their inputs.
 * Both append to `out` and leave it unchanged on failure.
 */
#ifndef MS_PB_OUT_H
#define MS_PB_OUT_H

#include "core/codec.h"

bool ms_pb_encode_mention(ms_buf *out, const ms_mention *m);
bool ms_pb_encode_classified(ms_buf *out, const ms_encode_ctx *ctx, const ms_mention *m,
                             const ms_verdict *v);
bool ms_pb_encode_repeat_offender(ms_buf *out, const ms_repeat_offender *r);

#endif
