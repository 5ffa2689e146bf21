/*
 * pb_json.c - protobuf-c messages as JSON by descriptor (see pb_json.h).
 *
 * protobuf-c lays a message out as a C struct whose descriptor gives, per
 * field, its type, label and byte offset (and for repeated fields the
 * offset of the element count). One function prints one value at an
 * address; a repeated field is the same function over an array whose
 * element size follows from the type.
 */
#include "encode/pb_json.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "encode/json_write.h"

static bool message_json(ms_buf *out, const ProtobufCMessage *msg);

/** @brief Bytes one element of a repeated field of type `t` takes; 0 if unknown. */
static size_t element_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    }
    return 0;
}

/** @brief An enum value as its name lower-cased after the first '_' ("KIND_REPLY" -> "reply"). */
static void enum_json(ms_buf *out, const ProtobufCEnumDescriptor *ed, int v)
{
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(ed, v);
    if (!ev) {
        ms_buf_printf(out, "%d", v); /* a value newer than this build's proto */
        return;
    }
    const char *name = strchr(ev->name, '_');
    name = name ? name + 1 : ev->name;
    ms_buf_putc(out, '"');
    for (; *name; name++)
        ms_buf_putc(out, (char)tolower((unsigned char)*name));
    ms_buf_putc(out, '"');
}

/** @brief One value of field `f` stored at `p`. */
static bool value_json(ms_buf *out, const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        ms_buf_printf(out, "%" PRId32, *(const int32_t *)p);
        return true;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        ms_buf_printf(out, "%" PRIu32, *(const uint32_t *)p);
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        ms_buf_printf(out, "%" PRId64, *(const int64_t *)p);
        return true;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        ms_buf_printf(out, "%" PRIu64, *(const uint64_t *)p);
        return true;
    case PROTOBUF_C_TYPE_FLOAT:
        ms_jo_fixed4(out, *(const float *)p);
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        ms_jo_fixed4(out, (float)*(const double *)p);
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        ms_buf_puts(out, *(const protobuf_c_boolean *)p ? "true" : "false");
        return true;
    case PROTOBUF_C_TYPE_ENUM:
        enum_json(out, f->descriptor, *(const int *)p);
        return true;
    case PROTOBUF_C_TYPE_STRING:
        ms_jo_cstr(out, *(char *const *)p);
        return true;
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        ms_jo_str(out, (ms_str){(const char *)b->data, b->len});
        return true;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)p;
        if (!m) {
            ms_buf_puts(out, "null");
            return true;
        }
        return message_json(out, m);
    }
    }
    return false;
}

/** @brief Append `msg` as a JSON object of every field by name, repeated ones as arrays; false on a
 *  field type it cannot print. Buffer errors are for the caller to check (ms_pb_json). */
static bool message_json(ms_buf *out, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    ms_buf_putc(out, '{');
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *member = (const char *)msg + f->offset;
        if (i)
            ms_buf_putc(out, ',');
        ms_jo_key(out, f->name);
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            if (!value_json(out, f, member))
                return false;
            continue;
        }
        size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
        size_t size = element_size(f->type);
        const char *items = *(const char *const *)member;
        if (!size)
            return false;
        ms_buf_putc(out, '[');
        for (size_t k = 0; k < n; k++) {
            if (k)
                ms_buf_putc(out, ',');
            if (!value_json(out, f, items + k * size))
                return false;
        }
        ms_buf_putc(out, ']');
    }
    ms_buf_putc(out, '}');
    return true;
}

bool ms_pb_json(ms_buf *out, const ProtobufCMessage *msg)
{
    return message_json(out, msg) && ms_buf_ok(out);
}
