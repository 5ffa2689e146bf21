/*
 * pb_in.c - decoding one Mention from protobuf (proto/mention.proto).
 *
 * Design
 * ------
 * Unpacking is protobuf-c's generated mentionsift__mention__unpack(), given a
 * ProtobufCAllocator that bump-allocates from an arena the decoder owns. The
 * arena is reset at the start of every decode, so the unpacked message and
 * its strings live until the next decode - exactly the lifetime codec.h
 * promises for the views in ms_mention, which point straight at them.
 *
 * The arena is one block. Before unpacking it is grown (while nothing lives
 * in it) to 2 * len + 1 KiB, which holds every ordinary message: the message
 * structs plus each string once, NUL-terminated and 16-byte aligned. Odd
 * inputs can need more (a string field repeated many times, thousands of
 * unknown fields); those allocations spill into separately malloc'd overflow
 * blocks, and the next reset frees them and grows the main block to the
 * total used, so the decoder settles at its largest event and then does not
 * allocate. protobuf-c's free() calls are no-ops: the arena is reset wholesale.
 *
 * Mapping: enum numbers outside the Platform enum become MS_PLATFORM_OTHER
 * (a new platform is not a reason to drop a mention); a Kind outside the Kind
 * enum is an error, because the kind decides the priority. protobuf-c strings
 * are NUL-terminated, so a string with an embedded NUL byte ends at it.
 * protobuf-c does not report why unpacking failed, so the error says only
 * that the bytes are not a valid Mention.
 */
#include "core/codec.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mention.pb-c.h"

#include "decode/decoders.h"

#define MS_PB_ALIGN alignof(max_align_t)
#define MS_PB_ARENA_MIN 1024u

/** An allocation that did not fit the main block; freed at the next reset. */
typedef struct ms_pb_spill {
    struct ms_pb_spill *next;
    max_align_t data[]; /* the allocation itself */
} ms_pb_spill;

struct ms_pb_decoder {
    unsigned char *block; /* main arena block, aligned by malloc */
    size_t cap, used;
    ms_pb_spill *spill;   /* overflow allocations of the current decode */
    size_t spill_bytes;
    bool oom;             /* an allocation failed during this decode */
};

static const char ms_pb_empty[] = "";

/** @brief Round n up to the arena alignment; 0 on overflow. */
static size_t ms_pb_round(size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - MS_PB_ALIGN)
        return 0;
    return (n + MS_PB_ALIGN - 1) & ~(MS_PB_ALIGN - 1);
}

/** @brief ProtobufCAllocator.alloc: bump-allocate from the arena. */
static void *ms_pb_arena_alloc(void *ad, size_t size)
{
    ms_pb_decoder *d = ad;
    size_t n = ms_pb_round(size);
    if (n == 0) {
        d->oom = true;
        return NULL;
    }
    if (n <= d->cap - d->used) {
        void *p = d->block + d->used;
        d->used += n;
        return p;
    }
    if (n > SIZE_MAX - sizeof(ms_pb_spill)) {
        d->oom = true;
        return NULL;
    }
    ms_pb_spill *s = malloc(sizeof *s + n);
    if (!s) {
        d->oom = true;
        return NULL;
    }
    s->next = d->spill;
    d->spill = s;
    d->spill_bytes += n;
    return s->data;
}

/** @brief ProtobufCAllocator.free: nothing; the arena is reset per decode. */
static void ms_pb_arena_free(void *ad, void *p)
{
    (void)ad;
    (void)p;
}

/** @brief Free the overflow blocks of the last decode. */
static void ms_pb_free_spill(ms_pb_decoder *d)
{
    while (d->spill) {
        ms_pb_spill *next = d->spill->next;
        free(d->spill);
        d->spill = next;
    }
    d->spill_bytes = 0;
}

/**
 * @brief Empty the arena for a decode of `len` bytes: free overflow blocks
 * and grow the main block to what the last decode used and what this one
 * will probably need. False on ENOMEM (the decode can still spill).
 */
static bool ms_pb_arena_reset(ms_pb_decoder *d, size_t len)
{
    size_t want = d->used + d->spill_bytes;
    ms_pb_free_spill(d);
    d->used = 0;
    d->oom = false;
    size_t guess = len <= (SIZE_MAX - MS_PB_ARENA_MIN) / 2 ? 2 * len + MS_PB_ARENA_MIN : SIZE_MAX;
    if (guess > want)
        want = guess;
    if (want <= d->cap)
        return true;
    size_t cap = d->cap ? d->cap : MS_PB_ARENA_MIN;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    free(d->block); /* nothing lives in it: no need to copy */
    d->block = malloc(cap);
    d->cap = d->block ? cap : 0;
    return d->block != NULL;
}

/** @brief View of a NUL-terminated protobuf-c string (NULL means empty). */
static ms_str ms_pb_view(const char *s)
{
    if (!s || !*s)
        return (ms_str){ms_pb_empty, 0};
    return (ms_str){s, strlen(s)};
}

/** @brief Create a protobuf decoder; the arena is allocated on first use. */
ms_pb_decoder *ms_pb_decoder_new(void)
{
    return calloc(1, sizeof(ms_pb_decoder));
}

/** @brief Free a protobuf decoder and its arena. */
void ms_pb_decoder_free(ms_pb_decoder *d)
{
    if (!d)
        return;
    ms_pb_free_spill(d);
    free(d->block);
    free(d);
}

/** @brief Decode one Mention from protobuf bytes data[0..len). */
bool ms_pb_decode_mention(ms_pb_decoder *d, const void *data, size_t len,
                          ms_mention *out, ms_codec_error *err)
{
    ms_str e = {ms_pb_empty, 0};
    *out = (ms_mention){
        .id = e, .platform = MS_PLATFORM_OTHER, .kind = MS_KIND_PUBLIC_COMMENT,
        .author = {e, e, e}, .text = e, .post_id = e, .parent_id = e,
        .permalink = e, .language = e,
    };
    (void)ms_pb_arena_reset(d, len); /* on failure, allocations spill */

    ProtobufCAllocator alloc = {
        .alloc = ms_pb_arena_alloc, .free = ms_pb_arena_free, .allocator_data = d};
    static const uint8_t nothing[1] = {0};
    Mentionsift__Mention *pm =
        mentionsift__mention__unpack(&alloc, len, len ? (const uint8_t *)data : nothing);
    if (!pm) {
        if (d->oom)
            snprintf(err->msg, sizeof err->msg, "out of memory decoding protobuf (%zu bytes)",
                     len);
        else
            snprintf(err->msg, sizeof err->msg,
                     "invalid protobuf: not a Mention message (%zu bytes, malformed or "
                     "truncated)",
                     len);
        return false;
    }
    if ((unsigned)pm->kind >= MS_KIND_COUNT) {
        snprintf(err->msg, sizeof err->msg, "field 'kind': unknown value %d", (int)pm->kind);
        return false;
    }
    out->id = ms_pb_view(pm->id);
    out->platform = (unsigned)pm->platform < MS_PLATFORM_COUNT ? (ms_platform)pm->platform
                                                                : MS_PLATFORM_OTHER;
    out->kind = (ms_kind)pm->kind;
    out->page_owned = pm->page_owned != 0;
    if (pm->author) {
        out->author.id = ms_pb_view(pm->author->id);
        out->author.handle = ms_pb_view(pm->author->handle);
        out->author.display_name = ms_pb_view(pm->author->display_name);
    }
    out->text = ms_pb_view(pm->text);
    out->created_at_ms = pm->created_at;
    out->post_id = ms_pb_view(pm->post_id);
    out->parent_id = ms_pb_view(pm->parent_id);
    out->permalink = ms_pb_view(pm->permalink);
    out->language = ms_pb_view(pm->language);
    return true;
}
