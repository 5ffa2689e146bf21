/*
 * test_pb_json.c - protobuf records shown as JSON by descriptor (pb_json.h)
 * agree with the JSON encoder: a Mention and a RepeatOffender come out byte
 * for byte as json_out.c writes them (escapes, enums, 64-bit times); a
 * Classified event of the real engine has the same labels and evidence,
 * less the JSON-only "match"; an absent sub-message is null.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/codec.h"
#include "core/engine.h"
#include "decide/offenders.h"
#include "encode/pb_json.h"
#include "match/ruleset.h"
#include "mention.pb-c.h"

#define S(lit) ((ms_str){(lit), sizeof(lit) - 1})

static const ms_mention mention = {
    .id = S("m-\"1\""),
    .platform = MS_PLATFORM_INSTAGRAM,
    .kind = MS_KIND_INBOX_MESSAGE,
    .page_owned = true,
    .author = {.id = S("a-9"), .handle = S("@tenant"), .display_name = S("Jo \\ Bloggs")},
    .text = S("Still waiting\n3 weeks for the boiler \xF0\x9F\x98\xA1 \"again\""),
    .created_at_ms = 1764000000123,
    .post_id = S("p1"),
    .parent_id = S(""),
    .permalink = S("https://example.org/p1"),
    .language = S("en-GB"),
};

/** @brief The protobuf encoding of something, unpacked by `desc` and shown as JSON. */
static char *pb_as_json(const ms_buf *pb, const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *msg =
        protobuf_c_message_unpack(desc, NULL, pb->len, (const uint8_t *)pb->data);
    assert_non_null(msg);
    ms_buf j;
    ms_buf_init(&j);
    assert_true(ms_pb_json(&j, msg));
    ms_buf_terminate(&j);
    protobuf_c_message_free_unpacked(msg, NULL);
    return j.data;
}

static char *encoded(ms_buf *b)
{
    ms_buf_terminate(b);
    return b->data;
}

static void test_mention_same_as_json_encoder(void **state)
{
    ms_buf js, pb;
    ms_buf_init(&js);
    ms_buf_init(&pb);
    assert_true(ms_encode_mention(&js, MS_ENC_JSON, &mention));
    assert_true(ms_encode_mention(&pb, MS_ENC_PROTOBUF, &mention));
    char *from_pb = pb_as_json(&pb, &mentionsift__mention__descriptor);
    assert_string_equal(from_pb, encoded(&js));
    /* what it is made of, not only that it agrees */
    assert_non_null(strstr(from_pb, "\"platform\":\"instagram\",\"kind\":\"inbox_message\""));
    assert_non_null(strstr(from_pb, "\"created_at\":1764000000123"));
    assert_non_null(strstr(from_pb, "Still waiting\\n3 weeks"));
    free(from_pb);
    ms_buf_free(&js);
    ms_buf_free(&pb);
}

static void test_repeat_offender_same_as_json_encoder(void **state)
{
    ms_offence off[2] = {{.event_id = "e-1", .rules = "profanity.strong,hate.racism", .at_ms = 5},
                         {.event_id = "e-2", .rules = "detrimental.threat", .at_ms = 7}};
    ms_repeat_offender r = {.author_id = S("troll"), .violations = 2, .threshold = 2,
                            .window_ms = 86400000, .offences = off, .n_offences = 2,
                            .detected_at_ms = 1764000000999};
    ms_buf js, pb;
    ms_buf_init(&js);
    ms_buf_init(&pb);
    assert_true(ms_encode_repeat_offender(&js, MS_ENC_JSON, &r));
    assert_true(ms_encode_repeat_offender(&pb, MS_ENC_PROTOBUF, &r));
    char *from_pb = pb_as_json(&pb, &mentionsift__repeat_offender__descriptor);
    assert_string_equal(from_pb, encoded(&js));
    assert_non_null(strstr(from_pb, "\"rules\":[\"profanity.strong\",\"hate.racism\"]"));
    free(from_pb);
    ms_buf_free(&js);
    ms_buf_free(&pb);
}

/** @brief Copy of `s` without every ,"match":"..." member. */
static char *without_match(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    assert_non_null(out);
    while (*s) {
        if (strncmp(s, ",\"match\":\"", 10) == 0) {
            s += 10;
            while (*s && *s != '"')
                s += *s == '\\' ? 2 : 1;
            s++;
            continue;
        }
        *o++ = *s++;
    }
    *o = '\0';
    return out;
}

/** @brief The "labels":[...] array of a Classified in JSON, as a new string. */
static char *labels_of(const char *json)
{
    const char *a = strstr(json, "\"labels\":["), *b = strstr(json, "],\"primary\"");
    assert_non_null(a);
    assert_non_null(b);
    return strndup(a, (size_t)(b - a + 1));
}

static void test_classified_labels_and_evidence(void **state)
{
    const char *dir = getenv("MS_RULES_DIR");
    ms_ruleset *rs = ms_ruleset_load(dir ? dir : MS_DEFAULT_RULES_DIR, NULL, NULL);
    assert_non_null(rs);
    char err[256];
    ms_engine *e = ms_engine_new(rs, NULL, err, sizeof err);
    assert_non_null(e);
    ms_mention m = mention;
    m.kind = MS_KIND_PUBLIC_COMMENT;
    m.text = S("Still waiting 3 weeks for the boiler, you useless shits, ring 07700 900123");
    ms_verdict v;
    assert_true(ms_engine_classify(e, &m, &v));
    ms_encode_ctx ctx = {.rules = rs, .classified_at_ms = 42, .redact = true};
    ms_buf js, pb;
    ms_buf_init(&js);
    ms_buf_init(&pb);
    assert_true(ms_encode_classified(&js, MS_ENC_JSON, &ctx, &m, &v));
    assert_true(ms_encode_classified(&pb, MS_ENC_PROTOBUF, &ctx, &m, &v));
    char *from_pb = pb_as_json(&pb, &mentionsift__classified__descriptor);
    char *plain = without_match(encoded(&js));
    char *want = labels_of(plain), *got = labels_of(from_pb);
    assert_string_equal(got, want);
    assert_non_null(strstr(got, "\"category\":\"complaint\""));
    assert_non_null(strstr(got, "\"category\":\"profanity\""));
    assert_non_null(strstr(from_pb, "\"primary\":\"complaint\""));
    assert_non_null(strstr(from_pb, "\"respond_by\":1764172800123"));
    assert_non_null(strstr(from_pb, "\"classified_at\":42"));
    assert_null(strstr(from_pb, "07700 900123")); /* redacted in both */
    free(want);
    free(got);
    free(plain);
    free(from_pb);
    ms_buf_free(&js);
    ms_buf_free(&pb);
    ms_engine_free(e);
    ms_ruleset_free(rs);
}

static void test_absent_message_is_null(void **state)
{
    Mentionsift__Classified c = MENTIONSIFT__CLASSIFIED__INIT;
    ms_buf j;
    ms_buf_init(&j);
    assert_true(ms_pb_json(&j, &c.base));
    char *s = encoded(&j);
    assert_true(strncmp(s, "{\"mention\":null,\"labels\":[],\"primary\":\"\"", 40) == 0);
    assert_non_null(strstr(s, "\"sentiment\":null"));
    assert_non_null(strstr(s, "\"urgent\":false"));
    ms_buf_free(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mention_same_as_json_encoder),
        cmocka_unit_test(test_repeat_offender_same_as_json_encoder),
        cmocka_unit_test(test_classified_labels_and_evidence),
        cmocka_unit_test(test_absent_message_is_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
