/*
 * pb_json.h - any protobuf-c message as one line of JSON, by its descriptor.
 *
 * The mapping is the one proto/mention.proto states for mentionsift's JSON
 * encoding: field names as declared (snake_case), enums as their value's
 * name lower-cased without the type prefix ("KIND_PUBLIC_COMMENT" ->
 * "public_comment"), integers as numbers (64-bit ones too), floats with four
 * decimals, strings escaped with invalid UTF-8 as U+FFFD, every field
 * present (proto3 zero values included), repeated fields as arrays, an
 * absent sub-message as null, bytes as a string of their bytes. Fields come
 * in field-number order. So a Mention comes out byte for byte as the JSON
 * encoder writes it; a Classified lacks only the JSON-only evidence "match".
 *
 * Used by `mentionsift tail` to show protobuf records; not on the hot path
 * (it walks descriptors per field).
 */
#ifndef MS_PB_JSON_H
#define MS_PB_JSON_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

#include "core/buf.h"

/** @brief Append `msg` as a JSON object (no newline); false on ENOMEM or an unknown field type. */
bool ms_pb_json(ms_buf *out, const ProtobufCMessage *msg);

#endif
