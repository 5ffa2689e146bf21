/*
 * test_codec.c - unit tests for codec.h and the wire names of mention.h.
 *
 * Covers: wire names both ways; JSON decoding of every Mention field, all
 * escapes (surrogate pairs, lone surrogates, \u0000, escaped keys), unknown
 * and null fields; every decoder error naming its byte offset or field;
 * JSON <-> protobuf round trips; MS_ENC_AUTO including the "\n{" protobuf
 * ambiguity; invalid UTF-8 surviving decode and leaving as valid JSON;
 * Classified JSON (redaction masks, "match" never leaking personal data,
 * number formatting, exact output) and Classified protobuf agreeing with it.
 * The rule set is NULL throughout (rule ids are then "rule#N").
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "core/codec.h"
#include "decide/offenders.h"
#include "mention.pb-c.h"

/* ---- helpers ---------------------------------------------------------- */

#define S(lit) ((ms_str){(lit), sizeof(lit) - 1})

/** @brief Assert that a view holds exactly the C string `want`. */
static void assert_str(ms_str got, const char *want)
{
    if (got.len != strlen(want) || (got.len && memcmp(got.ptr, want, got.len) != 0)) {
        print_error("view '%.*s' (%zu bytes) != '%s' (%zu bytes)\n", (int)got.len,
                    got.ptr ? got.ptr : "", got.len, want, strlen(want));
        fail();
    }
}

/** @brief Assert that a view holds exactly the bytes want[0..n). */
static void assert_bytes(ms_str got, const char *want, size_t n)
{
    assert_int_equal(got.len, n);
    assert_memory_equal(got.ptr, want, n);
}

/** @brief Assert that two views hold the same bytes. */
static void assert_same(ms_str a, ms_str b)
{
    assert_int_equal(a.len, b.len);
    if (a.len)
        assert_memory_equal(a.ptr, b.ptr, a.len);
}

/** @brief Assert that every field of two mentions is equal. */
static void assert_mention_eq(const ms_mention *a, const ms_mention *b)
{
    assert_same(a->id, b->id);
    assert_int_equal(a->platform, b->platform);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->page_owned, b->page_owned);
    assert_same(a->author.id, b->author.id);
    assert_same(a->author.handle, b->author.handle);
    assert_same(a->author.display_name, b->author.display_name);
    assert_same(a->text, b->text);
    assert_int_equal(a->created_at_ms, b->created_at_ms);
    assert_same(a->post_id, b->post_id);
    assert_same(a->parent_id, b->parent_id);
    assert_same(a->permalink, b->permalink);
    assert_same(a->language, b->language);
}

/** @brief Decode a NUL-terminated JSON document. */
static bool decode_json(ms_decoder *d, const char *js, ms_mention *m, ms_codec_error *e)
{
    return ms_decode_mention(d, MS_ENC_JSON, js, strlen(js), m, e);
}

/** @brief Assert that decoding fails with a message containing `want`. */
static void expect_error(ms_decoder *d, ms_encoding enc, const char *in, size_t len,
                         const char *want)
{
    ms_mention m;
    ms_codec_error e;
    memset(&e, 'x', sizeof e); /* the decoder must write a terminated message */
    if (ms_decode_mention(d, enc, in, len, &m, &e)) {
        print_error("decoded '%.*s' but expected error '%s'\n", (int)len, in, want);
        fail();
    }
    assert_non_null(memchr(e.msg, '\0', sizeof e.msg));
    if (!strstr(e.msg, want)) {
        print_error("input '%.*s': error '%s' lacks '%s'\n", (int)(len > 80 ? 80 : len), in,
                    e.msg, want);
        fail();
    }
}

/** @brief True if s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
static bool valid_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        size_t k;
        unsigned long cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            k = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            k = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + k > n)
            return false;
        for (size_t j = 1; j < k; j++) {
            if ((u[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (u[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k;
    }
    return true;
}

/** @brief Assert that b holds one complete JSON object (jsmn, strict). */
static void assert_json_object(const ms_buf *b)
{
    jsmn_parser p;
    jsmn_init(&p);
    static jsmntok_t tok[4096];
    int r = jsmn_parse(&p, b->data, b->len, tok, 4096);
    assert_true(r > 0);
    assert_int_equal(tok[0].type, JSMN_OBJECT);
    assert_int_equal(tok[0].start, 0);
    assert_int_equal(tok[0].end, (int)b->len);
    assert_true(valid_utf8(b->data, b->len));
}

/** @brief Count the occurrences of `needle` in b. */
static int count_of(const ms_buf *b, const char *needle)
{
    int n = 0;
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= b->len; i++)
        if (memcmp(b->data + i, needle, k) == 0)
            n++;
    return n;
}

/** @brief Assert that b contains `needle`. */
static void assert_has(const ms_buf *b, const char *needle)
{
    if (count_of(b, needle) == 0) {
        print_error("output lacks '%s':\n%.*s\n", needle, (int)b->len, b->data);
        fail();
    }
}

/** @brief Position of `needle` in b, or -1. */
static long pos_of(const ms_buf *b, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= b->len; i++)
        if (memcmp(b->data + i, needle, k) == 0)
            return (long)i;
    return -1;
}

/** @brief A mention with every field set, some to awkward bytes. */
static ms_mention full_mention(void)
{
    return (ms_mention){
        .id = S("m-1"),
        .platform = MS_PLATFORM_INSTAGRAM,
        .kind = MS_KIND_INBOX_MESSAGE,
        .page_owned = true,
        .author = {S("a-9"), S("@jo\"q"), S("Jo \xc3\xa9 Bloggs \xf0\x9f\x98\x80")},
        .text = S("Line1\nLine2\t\"quoted\" back\\slash \x01 ctl \x7f del caf\xc3\xa9"),
        .created_at_ms = 253402300799999LL, /* the last instant a created_at may be */
        .post_id = S("p-1"),
        .parent_id = S("c-7"),
        .permalink = S("https://example.com/p/1?a=b&c=d"),
        .language = S("en-GB"),
    };
}

/* ---- names ------------------------------------------------------------ */

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < MS_PLATFORM_COUNT; i++) {
        ms_platform p = MS_PLATFORM_COUNT;
        const char *n = ms_platform_name((ms_platform)i);
        assert_true(ms_platform_parse(n, strlen(n), &p));
        assert_int_equal(p, i);
    }
    for (int i = 0; i < MS_KIND_COUNT; i++) {
        ms_kind k = MS_KIND_COUNT;
        const char *n = ms_kind_name((ms_kind)i);
        assert_true(ms_kind_parse(n, strlen(n), &k));
        assert_int_equal(k, i);
    }
    for (int i = 0; i < MS_CAT_COUNT; i++) {
        ms_category c = MS_CAT_COUNT;
        const char *n = ms_category_name((ms_category)i);
        assert_true(ms_category_parse(n, strlen(n), &c));
        assert_int_equal(c, i);
    }
    for (int i = 0; i < MS_ACTION_COUNT; i++) {
        ms_action a = MS_ACTION_COUNT;
        const char *n = ms_action_name((ms_action)i);
        assert_true(ms_action_parse(n, strlen(n), &a));
        assert_int_equal(a, i);
    }
    for (int i = 0; i < MS_URGENCY_COUNT; i++) {
        ms_urgency u = MS_URGENCY_COUNT;
        const char *n = ms_urgency_name((ms_urgency)i);
        assert_true(ms_urgency_parse(n, strlen(n), &u));
        assert_int_equal(u, i);
    }
    for (int i = 0; i < MS_PII_COUNT; i++) {
        ms_pii_kind k = MS_PII_COUNT;
        const char *n = ms_pii_kind_name((ms_pii_kind)i);
        assert_true(ms_pii_kind_parse(n, strlen(n), &k));
        assert_int_equal(k, i);
    }
}

static void test_names_values(void **state)
{
    (void)state;
    assert_string_equal(ms_platform_name(MS_PLATFORM_X), "x");
    assert_string_equal(ms_platform_name(MS_PLATFORM_OTHER), "other");
    assert_string_equal(ms_kind_name(MS_KIND_EXTERNAL_MENTION), "external_mention");
    assert_string_equal(ms_category_name(MS_CAT_RELIGION_POLITICS), "religion_politics");
    assert_string_equal(ms_category_name(MS_CAT_CONSENT_WITHDRAWAL), "consent_withdrawal");
    assert_string_equal(ms_category_name(MS_CAT_INDIVIDUAL_CASE), "individual_case");
    assert_string_equal(ms_category_name(MS_CAT_OTHER), "other");
    assert_string_equal(ms_action_name(MS_ACTION_NONE), "none");
    assert_string_equal(ms_action_name(MS_ACTION_REDIRECT_TO_REPAIRS),
                        "redirect_to_repairs_channel");
    assert_string_equal(ms_action_name(MS_ACTION_ESCALATE_TO_COMMUNICATIONS),
                        "escalate_to_communications");
    assert_string_equal(ms_priority_name(MS_PRIORITY_NORMAL), "normal");
    assert_string_equal(ms_urgency_name(MS_URGENCY_NONE), "");
    assert_string_equal(ms_urgency_name(MS_URGENCY_EMERGENCY), "emergency");
    assert_string_equal(ms_pii_kind_name(MS_PII_NI_NUMBER), "ni_number");
    assert_string_equal(ms_category_name((ms_category)99), "unknown");

    ms_urgency u = MS_URGENCY_URGENT;
    assert_true(ms_urgency_parse("none", 4, &u));
    assert_int_equal(u, MS_URGENCY_NONE);
    ms_platform p = MS_PLATFORM_COUNT;
    assert_false(ms_platform_parse("Facebook", 8, &p));
    assert_false(ms_platform_parse("faceboo", 7, &p));
    assert_false(ms_platform_parse("", 0, &p));
    assert_true(ms_platform_parse("facebookXX", 8, &p)); /* length-delimited */
    assert_int_equal(p, MS_PLATFORM_FACEBOOK);
    ms_category c = MS_CAT_COUNT;
    assert_false(ms_category_parse("unknown", 7, &c));
}

/* ---- JSON decoding ---------------------------------------------------- */

static void test_json_decode_full(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    assert_non_null(d);
    ms_mention m;
    ms_codec_error e;
    const char *js =
        " {\"id\":\"m-1\",\"platform\":\"facebook\",\"kind\":\"reply\",\"page_owned\":true,\n"
        "  \"author\":{\"id\":\"a-9\",\"handle\":\"@jo\",\"display_name\":\"Jo Bloggs\"},\n"
        "  \"text\":\"The boiler is broken again\",\"created_at\":1717171717171,\n"
        "  \"post_id\":\"p-1\",\"parent_id\":\"c-7\",\"permalink\":\"https://fb.example/p/1\",\n"
        "  \"language\":\"en-GB\"}\r\n";
    assert_true(decode_json(d, js, &m, &e));
    assert_str(m.id, "m-1");
    assert_int_equal(m.platform, MS_PLATFORM_FACEBOOK);
    assert_int_equal(m.kind, MS_KIND_REPLY);
    assert_true(m.page_owned);
    assert_str(m.author.id, "a-9");
    assert_str(m.author.handle, "@jo");
    assert_str(m.author.display_name, "Jo Bloggs");
    assert_str(m.text, "The boiler is broken again");
    assert_int_equal(m.created_at_ms, 1717171717171LL);
    assert_str(m.post_id, "p-1");
    assert_str(m.parent_id, "c-7");
    assert_str(m.permalink, "https://fb.example/p/1");
    assert_str(m.language, "en-GB");

    /* Defaults: a minimal object, then extreme integers. */
    assert_true(decode_json(d, "{}", &m, &e));
    assert_str(m.id, "");
    assert_str(m.text, "");
    assert_non_null(m.text.ptr);
    assert_int_equal(m.platform, MS_PLATFORM_OTHER);
    assert_int_equal(m.kind, MS_KIND_PUBLIC_COMMENT);
    assert_false(m.page_owned);
    assert_int_equal(m.created_at_ms, 0);
    /* integers parse to the ends of int64, but a created_at must be a time
     * (decide.c adds 48 hours to it) */
    const char *huge = "{\"created_at\":9223372036854775807}";
    expect_error(d, MS_ENC_JSON, huge, strlen(huge),
                 "field 'created_at': 9223372036854775807 is not a time in ms since 1970");
    const char *tiny = "{\"created_at\":-9223372036854775808}";
    expect_error(d, MS_ENC_JSON, tiny, strlen(tiny),
                 "field 'created_at': -9223372036854775808 is not a time in ms since 1970");
    assert_true(decode_json(d, "{\"created_at\":253402300799999}", &m, &e));
    assert_int_equal(m.created_at_ms, 253402300799999LL);
    const char *late = "{\"created_at\":253402300800000}";
    expect_error(d, MS_ENC_JSON, late, strlen(late), "field 'created_at': 253402300800000");
    assert_true(decode_json(d, "{\"created_at\":-0}", &m, &e));
    assert_int_equal(m.created_at_ms, 0);
    /* A byte order mark is skipped. */
    assert_true(decode_json(d, "\xEF\xBB\xBF{\"kind\":\"external_mention\"}", &m, &e));
    assert_int_equal(m.kind, MS_KIND_EXTERNAL_MENTION);
    ms_decoder_free(d);
}

static void test_json_escapes(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    ms_mention m;
    ms_codec_error e;
    assert_true(decode_json(
        d, "{\"text\":\"a\\nb\\\"c\\\\d\\/e\\u00e9\\ud83d\\ude00\\t\\b\\f\\r\\u20AC\"}", &m, &e));
    static const char want[] = "a\nb\"c\\d/e\xc3\xa9\xf0\x9f\x98\x80\t\b\f\r\xe2\x82\xac";
    assert_bytes(m.text, want, sizeof want - 1);

    /* Lone surrogates become U+FFFD; what follows is kept. */
    assert_true(decode_json(d, "{\"text\":\"\\ud800x\\udc00\\ud83d\\u0041\\ud83d\"}", &m, &e));
    static const char lone[] = "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd" "A\xef\xbf\xbd";
    assert_bytes(m.text, lone, sizeof lone - 1);

    /* \u0000 is a NUL byte inside the view. */
    assert_true(decode_json(d, "{\"id\":\"a\\u0000b\"}", &m, &e));
    assert_bytes(m.id, "a\0b", 3);

    /* Escaped keys are matched after unescaping. */
    assert_true(decode_json(d, "{\"t\\u0065xt\":\"hi\",\"k\\u0069nd\":\"reply\"}", &m, &e));
    assert_str(m.text, "hi");
    assert_int_equal(m.kind, MS_KIND_REPLY);

    /* Escapes in enum values too. */
    assert_true(decode_json(d, "{\"platform\":\"you\\u0074ube\"}", &m, &e));
    assert_int_equal(m.platform, MS_PLATFORM_YOUTUBE);

    /* Raw UTF-8 and DEL pass through. */
    assert_true(decode_json(d, "{\"text\":\"caf\xc3\xa9 \x7f\"}", &m, &e));
    assert_str(m.text, "caf\xc3\xa9 \x7f");
    ms_decoder_free(d);
}

static void test_json_unknown_and_null_fields(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    ms_mention m;
    ms_codec_error e;
    assert_true(decode_json(d,
                            "{\"zzz\":{\"a\":[1,2,{\"b\":null,\"text\":\"no\"}],\"c\":\"x\"},"
                            "\"text\":\"ok\",\"extra\":[true,false,-1.5e3,0.25E+2,\"s\"],"
                            "\"author\":{\"avatar\":{\"url\":\"u\"},\"handle\":\"@h\"},"
                            "\"n\":null,\"nested\":[[[]]],\"kind\":\"reply\",\"e\":{}}",
                            &m, &e));
    assert_str(m.text, "ok");
    assert_str(m.author.handle, "@h");
    assert_str(m.author.id, "");
    assert_int_equal(m.kind, MS_KIND_REPLY);

    assert_true(decode_json(d,
                            "{\"id\":null,\"platform\":null,\"kind\":null,\"page_owned\":null,"
                            "\"author\":null,\"text\":null,\"created_at\":null,"
                            "\"post_id\":null,\"parent_id\":null,\"permalink\":null,"
                            "\"language\":null}",
                            &m, &e));
    assert_str(m.id, "");
    assert_str(m.text, "");
    assert_int_equal(m.platform, MS_PLATFORM_OTHER);
    assert_int_equal(m.kind, MS_KIND_PUBLIC_COMMENT);
    assert_false(m.page_owned);
    assert_int_equal(m.created_at_ms, 0);
    assert_str(m.author.handle, "");
    ms_decoder_free(d);
}

static void test_json_errors(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        {"{\"kind\":\"foo\"}", "field 'kind': unknown value 'foo'"},
        {"{\"platform\":\"myspace\"}", "field 'platform': unknown value 'myspace'"},
        {"{\"platform\":\"Facebook\"}", "field 'platform': unknown value 'Facebook'"},
        {"{\"platform\":\"\"}", "field 'platform': unknown value ''"},
        {"{\"kind\":\"a\\nb\"}", "field 'kind': unknown value 'a?b'"},
        {"{\"kind\":1}", "field 'kind': expected a string, got a number"},
        {"{\"created_at\":\"1717\"}", "field 'created_at': not an integer"},
        {"{\"created_at\":1.5}", "field 'created_at': not an integer (got 1.5)"},
        {"{\"created_at\":1e3}", "field 'created_at': not an integer"},
        {"{\"created_at\":true}", "field 'created_at': not an integer (got a boolean)"},
        {"{\"created_at\":9223372036854775808}", "field 'created_at': integer out of range"},
        {"{\"created_at\":-9223372036854775809}", "field 'created_at': integer out of range"},
        {"{\"id\":5}", "field 'id': expected a string, got a number"},
        {"{\"text\":[\"a\"]}", "field 'text': expected a string, got an array"},
        {"{\"language\":{}}", "field 'language': expected a string, got an object"},
        {"{\"page_owned\":\"yes\"}", "field 'page_owned': expected true or false, got a string"},
        {"{\"author\":\"bob\"}", "field 'author': expected an object, got a string"},
        {"{\"author\":{\"handle\":1}}", "field 'author.handle': expected a string"},
        {"{\"author\":{\"id\":\"a\",\"id\":\"b\"}}", "field 'author.id': duplicate key"},
        {"{\"id\":\"a\",\"id\":\"b\"}", "field 'id': duplicate key"},
        {"[1,2]", "top level is not an object"},
        {"\"str\"", "top level is not an object"},
        {"42", "top level is not an object"},
        {"", "empty input"},
        {" \n\t", "empty input"},
        {"{\"id\":\"abc\"", "truncated JSON: the object opened at byte 0 is not closed"},
        {"{\"id\":\"abc", "truncated JSON: the string opened at byte 6 is not closed"},
        {"{\"id\":", "truncated JSON: the object opened at byte 0 is not closed"},
        {"{\"a\":[1,{\"b\":[", "truncated JSON: the array opened at byte 13 is not closed"},
        {"{\"id\" \"abc\"}", "byte 6: expected ':' after key"},
        {"{\"id\":\"a\",}", "byte 9: trailing comma"},
        {"{\"id\":tru}", "byte 6: invalid JSON (bad number or literal)"},
        {"{\"a\":01}", "byte 5: invalid JSON (bad number or literal)"},
        {"{\"a\":-}", "byte 5: invalid JSON (bad number or literal)"},
        {"{\"a\":1.}", "byte 5: invalid JSON (bad number or literal)"},
        {"{\"a\":[1 2]}", "byte 8: expected ',' or ']'"},
        {"{\"a\":1 \"b\":2}", "byte 7: expected ',' or '}'"},
        {"{\"a\":}", "byte 5: expected a value"},
        {"{\"a\":[,1]}", "byte 6: expected a value"},
        {"{,}", "byte 1: expected a string key or '}'"},
        {"{,\"a\":1}", "byte 1: expected a string key"},
        {"{\"a\":1,,\"b\":2}", "byte 7: expected a string key"},
        {"{\"a\":1,:\"b\":2}", "byte 7: expected a string key"},
        {"{\"a\"::1}", "byte 5: expected a value"},
        {"{\"id\":\"a\x01" "b\"}", "byte 8: control character 0x01 in string"},
        {"{\"a\x1f\":1}", "byte 3: control character 0x1f in string"},
        /* found by the eight-bytes-at-a-time scan, then in the tail after it */
        {"{\"id\":\"0123456789\x01" "abcdefghij\"}", "byte 17: control character 0x01 in string"},
        {"{\"id\":\"0123456789abcd\x7f\x80\xff\x09\"}", "byte 24: control character 0x09 in string"},
        {"{\"id\":\"\\q\"}", "byte 7: invalid JSON (bad escape in string: '\\q', in field 'id')"},
        {"{\"id\":\"\\u12G4\"}",
         "byte 7: invalid JSON (bad escape in string: '\\u12G4', in field 'id')"},
        /* the byte of the escape itself, not of the string's start */
        {"{\"id\":\"a\",\"text\":\"a long text here \\q more\"}",
         "byte 35: invalid JSON (bad escape in string: '\\q', in field 'text')"},
        {"{\"a\":[\"\\x\"]}", "byte 7: invalid JSON (bad escape in string: '\\x')"},
        /* the field is found across whitespace on both sides of the colon, and past an
         * escaped quote inside the key */
        {"{ \"te\\\"xt\" \t:\r\n \"\\q\"}",
         "byte 17: invalid JSON (bad escape in string: '\\q', in field 'te\\\"xt')"},
        {"{\"a\":1} x", "byte 8: invalid JSON (unexpected character)"},
        {"{\"a\":1} {}", "byte 8: unexpected data after the top-level object"},
        {"{\"a\":1},", "byte 7: unexpected data after the top-level object"},
        {"{\"a\":1} 5 ", "byte 8: unexpected data after the top-level object"},
        {"{\"a\":1]", "byte 6: invalid JSON (unexpected character)"},
        {"{'a':1}", "byte 1: invalid JSON (unexpected character)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_error(d, MS_ENC_JSON, cases[i].in, strlen(cases[i].in), cases[i].want);

    /* A NUL byte (not an escaped one) in the document. */
    static const char nul[] = "{\"id\":\"a\0b\"}";
    expect_error(d, MS_ENC_JSON, nul, sizeof nul - 1, "byte 8: NUL byte in JSON");

    /* Values in messages are cut to 40 bytes. */
    char in[128], want[64];
    snprintf(in, sizeof in, "{\"kind\":\"%s\"}",
             "0123456789012345678901234567890123456789TAIL-NOT-SHOWN");
    snprintf(want, sizeof want, "'%s...'", "0123456789012345678901234567890123456789");
    expect_error(d, MS_ENC_JSON, in, strlen(in), want);
    ms_mention m;
    ms_codec_error e;
    assert_false(decode_json(d, in, &m, &e));
    assert_null(strstr(e.msg, "TAIL"));
    /* ... without splitting a UTF-8 character: 39 x's then 'é' (2 bytes). */
    snprintf(in, sizeof in, "{\"kind\":\"%s\xc3\xa9zz\"}",
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    assert_false(decode_json(d, in, &m, &e));
    assert_non_null(strstr(e.msg, "xxx...'"));
    assert_true(valid_utf8(e.msg, strlen(e.msg)));

    /* Nesting deeper than the limit. */
    char deep[512];
    size_t n = 0;
    n += (size_t)sprintf(deep + n, "{\"a\":");
    for (int k = 0; k < 100; k++)
        deep[n++] = '[';
    for (int k = 0; k < 100; k++)
        deep[n++] = ']';
    deep[n++] = '}';
    expect_error(d, MS_ENC_JSON, deep, n, "nested deeper than");

    /* A NULL err is allowed. */
    assert_false(ms_decode_mention(d, MS_ENC_JSON, "[", 1, &m, NULL));
    ms_decoder_free(d);
}

static void test_json_too_many_tokens(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    size_t count = (1u << 20) + 8;
    size_t cap = 16 + 2 * count;
    char *js = malloc(cap);
    assert_non_null(js);
    size_t n = (size_t)sprintf(js, "{\"a\":[");
    for (size_t i = 0; i < count; i++) {
        js[n++] = '0';
        js[n++] = ',';
    }
    js[n - 1] = ']';
    js[n++] = '}';
    expect_error(d, MS_ENC_JSON, js, n, "too many JSON tokens");

    /* Below the limit the same shape decodes. */
    n = (size_t)sprintf(js, "{\"a\":[");
    for (size_t i = 0; i < 5000; i++) {
        js[n++] = '0';
        js[n++] = ',';
    }
    js[n - 1] = ']';
    n += (size_t)sprintf(js + n, ",\"text\":\"after\"}");
    ms_mention m;
    ms_codec_error e;
    assert_true(ms_decode_mention(d, MS_ENC_JSON, js, n, &m, &e));
    assert_str(m.text, "after");
    free(js);
    ms_decoder_free(d);
}

static void test_decoder_reuses_memory(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    ms_mention m;
    ms_codec_error e;
    char big[8192];
    int n = snprintf(big, sizeof big, "{\"text\":\"%0*d\",\"list\":[1,2,3,4,5,6,7,8,9]}", 8000, 7);
    assert_true(n > 0 && (size_t)n < sizeof big);
    assert_true(decode_json(d, big, &m, &e));
    assert_int_equal(m.text.len, 8000);
    const char *small = "{\"id\":\"x\",\"text\":\"hello\"}";
    assert_true(decode_json(d, small, &m, &e));
    const char *p1 = m.text.ptr;
    assert_true(decode_json(d, small, &m, &e));
    assert_ptr_equal(m.text.ptr, p1); /* same buffer, not reallocated */
    assert_str(m.text, "hello");

    /* Same for protobuf. */
    ms_buf pb;
    ms_buf_init(&pb);
    ms_mention full = {.text = S("protobuf text"), .id = S("i")};
    assert_true(ms_encode_mention(&pb, MS_ENC_PROTOBUF, &full));
    assert_true(ms_decode_mention(d, MS_ENC_PROTOBUF, pb.data, pb.len, &m, &e));
    const char *q1 = m.text.ptr;
    assert_true(ms_decode_mention(d, MS_ENC_PROTOBUF, pb.data, pb.len, &m, &e));
    assert_ptr_equal(m.text.ptr, q1);
    assert_str(m.text, "protobuf text");
    ms_buf_free(&pb);
    ms_decoder_free(d);
}

/* ---- round trips and AUTO ------------------------------------------------ */

static void test_round_trip(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    ms_mention orig = full_mention(), m1, m2, m3;
    ms_codec_error e;
    ms_buf js, pb, js2;
    ms_buf_init(&js);
    ms_buf_init(&pb);
    ms_buf_init(&js2);

    assert_true(ms_encode_mention(&js, MS_ENC_JSON, &orig));
    assert_json_object(&js);
    assert_true(ms_decode_mention(d, MS_ENC_JSON, js.data, js.len, &m1, &e));
    assert_mention_eq(&orig, &m1);

    assert_true(ms_encode_mention(&pb, MS_ENC_PROTOBUF, &m1));
    assert_true(ms_decode_mention(d, MS_ENC_PROTOBUF, pb.data, pb.len, &m2, &e));
    assert_mention_eq(&orig, &m2);

    /* The protobuf the generated code unpacks has the same values. */
    Mentionsift__Mention *pm = mentionsift__mention__unpack(NULL, pb.len, (uint8_t *)pb.data);
    assert_non_null(pm);
    assert_string_equal(pm->id, "m-1");
    assert_int_equal(pm->platform, MENTIONSIFT__PLATFORM__PLATFORM_INSTAGRAM);
    assert_int_equal(pm->kind, MENTIONSIFT__KIND__KIND_INBOX_MESSAGE);
    assert_int_equal(pm->created_at, 253402300799999LL);
    assert_non_null(pm->author);
    assert_string_equal(pm->author->handle, "@jo\"q");
    mentionsift__mention__free_unpacked(pm, NULL);

    /* Encoding the protobuf-decoded mention as JSON gives the same bytes. */
    assert_true(ms_encode_mention(&js2, MS_ENC_JSON, &m2));
    assert_int_equal(js2.len, js.len);
    assert_memory_equal(js2.data, js.data, js.len);

    /* AUTO picks the right decoder for both. */
    assert_true(ms_decode_mention(d, MS_ENC_AUTO, js.data, js.len, &m3, &e));
    assert_mention_eq(&orig, &m3);
    assert_true(ms_decode_mention(d, MS_ENC_AUTO, pb.data, pb.len, &m3, &e));
    assert_mention_eq(&orig, &m3);

    /* An empty mention round-trips too (and packs to nothing). */
    ms_mention empty = {0};
    ms_buf_reset(&pb);
    assert_true(ms_encode_mention(&pb, MS_ENC_PROTOBUF, &empty));
    assert_int_equal(pb.len, 0);
    assert_true(ms_decode_mention(d, MS_ENC_PROTOBUF, pb.data, pb.len, &m3, &e));
    assert_str(m3.id, "");
    assert_str(m3.text, "");

    /* Encoders append, and leave `out` alone on failure. */
    ms_buf_reset(&js);
    ms_buf_puts(&js, "PREFIX");
    assert_true(ms_encode_mention(&js, MS_ENC_JSON, &orig));
    assert_memory_equal(js.data, "PREFIX{\"id\":\"m-1\"", 17);
    size_t len = js.len;
    ms_mention bad = orig;
    bad.platform = (ms_platform)99;
    assert_false(ms_encode_mention(&js, MS_ENC_JSON, &bad));
    assert_false(ms_encode_mention(&js, MS_ENC_PROTOBUF, &bad));
    bad = orig;
    bad.text = (ms_str){NULL, 3};
    assert_false(ms_encode_mention(&js, MS_ENC_JSON, &bad));
    assert_false(ms_encode_mention(&js, MS_ENC_AUTO, &orig));
    assert_int_equal(js.len, len);
    assert_true(ms_buf_ok(&js));

    ms_buf_free(&js);
    ms_buf_free(&pb);
    ms_buf_free(&js2);
    ms_decoder_free(d);
}

static void test_auto_detection(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    ms_mention m;
    ms_codec_error e;
    const char *js = " \r\n\t{\"id\":\"j\",\"kind\":\"reply\"}";
    assert_true(ms_decode_mention(d, MS_ENC_AUTO, js, strlen(js), &m, &e));
    assert_str(m.id, "j");
    assert_int_equal(m.kind, MS_KIND_REPLY);

    /* A protobuf Mention whose id is 123 bytes starts "\n{": the JSON
     * attempt fails and protobuf is tried. */
    char id[124];
    memset(id, 'i', 123);
    id[123] = '\0';
    ms_mention pm = {.id = {id, 123}, .text = S("from protobuf")};
    ms_buf pb;
    ms_buf_init(&pb);
    assert_true(ms_encode_mention(&pb, MS_ENC_PROTOBUF, &pm));
    assert_memory_equal(pb.data, "\n{", 2);
    assert_true(ms_decode_mention(d, MS_ENC_AUTO, pb.data, pb.len, &m, &e));
    assert_int_equal(m.id.len, 123);
    assert_str(m.text, "from protobuf");
    assert_string_equal(e.msg, "");

    /* Bad JSON after whitespace that is not protobuf either: the JSON error. */
    expect_error(d, MS_ENC_AUTO, "\n{bad", 5, "byte 2: invalid JSON");
    expect_error(d, MS_ENC_AUTO, "{\"kind\":\"nope\"}", 15, "field 'kind': unknown value 'nope'");
    expect_error(d, MS_ENC_AUTO, "", 0, "empty input");
    expect_error(d, MS_ENC_AUTO, "xyz", 3, "invalid protobuf");
    /* two spaces would be a valid protobuf Mention (field 4 = 32) */
    expect_error(d, MS_ENC_AUTO, "  ", 2, "input of 2 bytes is only whitespace");
    expect_error(d, MS_ENC_AUTO, " \r\n\t", 4, "only whitespace");
    expect_error(d, MS_ENC_AUTO, "[1, 2]", 6, "invalid JSON: the top level is an array");
    expect_error(d, MS_ENC_AUTO, "\"hello\"", 7, "invalid JSON: the top level is a string");
    ms_buf_free(&pb);
    ms_decoder_free(d);
}

static void test_protobuf_decode_cases(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    ms_mention m;
    ms_codec_error e;
    uint8_t buf[256];

    Mentionsift__Mention pm = MENTIONSIFT__MENTION__INIT;
    pm.id = "x";
    pm.platform = (Mentionsift__Platform)42; /* newer platform: other */
    size_t n = mentionsift__mention__pack(&pm, buf);
    assert_true(ms_decode_mention(d, MS_ENC_PROTOBUF, buf, n, &m, &e));
    assert_int_equal(m.platform, MS_PLATFORM_OTHER);
    assert_str(m.id, "x");

    pm.platform = MENTIONSIFT__PLATFORM__PLATFORM_TIKTOK;
    pm.kind = (Mentionsift__Kind)7;
    n = mentionsift__mention__pack(&pm, buf);
    expect_error(d, MS_ENC_PROTOBUF, (const char *)buf, n, "field 'kind': unknown value 7");

    /* Truncated: a string field claiming more bytes than there are. */
    expect_error(d, MS_ENC_PROTOBUF, "\x0a\x05" "ab", 4, "invalid protobuf");

    /* Unknown fields and repeated fields are fine (last value wins). */
    static const char many[] = "\x32\x01" "a" "\x32\x02" "bb" "\x78\x05" "\x32\x03" "ccc";
    assert_true(ms_decode_mention(d, MS_ENC_PROTOBUF, many, sizeof many - 1, &m, &e));
    assert_str(m.text, "ccc");

    /* Thousands of repeated fields spill out of the arena and still work. */
    size_t cap = 3 * 5000 + 8;
    char *rep = malloc(cap);
    assert_non_null(rep);
    size_t k = 0;
    for (int i = 0; i < 5000; i++) {
        rep[k++] = 0x32;
        rep[k++] = 0x01;
        rep[k++] = (char)('a' + i % 26);
    }
    assert_true(ms_decode_mention(d, MS_ENC_PROTOBUF, rep, k, &m, &e));
    assert_str(m.text, "h"); /* the last one: 'a' + 4999 % 26 */
    free(rep);
    ms_decoder_free(d);
}

/* ---- invalid UTF-8 ----------------------------------------------------- */

static void test_invalid_utf8_survives(void **state)
{
    (void)state;
    ms_decoder *d = ms_decoder_new();
    ms_mention m;
    ms_codec_error e;
    static const char in[] = "{\"text\":\"ok \xff \xc3( \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf "
                             "\xe2\x82 end \xf0\x9f\x98\x80\"}";
    static const char raw[] = "ok \xff \xc3( \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf "
                              "\xe2\x82 end \xf0\x9f\x98\x80";
    assert_true(ms_decode_mention(d, MS_ENC_JSON, in, sizeof in - 1, &m, &e));
    assert_bytes(m.text, raw, sizeof raw - 1);

    ms_buf out;
    ms_buf_init(&out);
    assert_true(ms_encode_mention(&out, MS_ENC_JSON, &m));
    assert_json_object(&out);
    /* ff, c3, ed a0 80, f4 90 80 80, c0 af, e2 82: one U+FFFD per byte. */
    assert_int_equal(count_of(&out, "\\ufffd"), 1 + 1 + 3 + 4 + 2 + 2);
    assert_has(&out, "\xf0\x9f\x98\x80"); /* the valid emoji is kept as is */

    /* It decodes again, to valid UTF-8. */
    ms_mention again;
    assert_true(ms_decode_mention(d, MS_ENC_JSON, out.data, out.len, &again, &e));
    assert_true(valid_utf8(again.text.ptr, again.text.len));
    assert_memory_equal(again.text.ptr, "ok \xef\xbf\xbd \xef\xbf\xbd( ", 12);

    /* Control characters are escaped. */
    ms_buf_reset(&out);
    ms_mention c = {.text = S("a\x01" "b\x1f" "c\n")};
    assert_true(ms_encode_mention(&out, MS_ENC_JSON, &c));
    assert_has(&out, "\"text\":\"a\\u0001b\\u001fc\\n\"");
    ms_buf_free(&out);
    ms_decoder_free(d);
}

/* ---- Classified --------------------------------------------------------- */

static const char k_text[] = "Call me on 07700 900123 you idiot, the boiler's broken";

/** @brief Offset of `needle` in k_text. */
static uint32_t off_of(const char *needle)
{
    const char *p = strstr(k_text, needle);
    assert_non_null(p);
    return (uint32_t)(p - k_text);
}

/** @brief A verdict over k_text with PII, profanity, complaint and repair. */
static ms_verdict sample_verdict(void)
{
    ms_verdict v;
    memset(&v, 0, sizeof v);
    uint32_t phone = off_of("07700"), idiot = off_of("idiot"), boiler = off_of("boiler"),
             broken = off_of("broken");
    v.labels = 1u << MS_CAT_PERSONAL_INFO | 1u << MS_CAT_PROFANITY | 1u << MS_CAT_COMPLAINT |
               1u << MS_CAT_REPAIR;
    v.label[MS_CAT_PROFANITY] = (ms_label){.score = 0.8f, .n_evidence = 1,
                                           .evidence = {{3, idiot, idiot + 5}}};
    v.label[MS_CAT_PERSONAL_INFO] = (ms_label){.score = 1.0f, .n_evidence = 1,
                                               .evidence = {{7, phone, phone + 12}}};
    v.label[MS_CAT_COMPLAINT] = (ms_label){
        .score = 0.61239f, .n_evidence = 2, .dropped_evidence = 2,
        .evidence = {{5, phone + 6, idiot + 5}, {6, boiler, boiler + 6}}};
    v.label[MS_CAT_REPAIR] = (ms_label){.score = 0.5f, .n_evidence = 1,
                                        .evidence = {{9, broken, broken + 6}}};
    v.primary = MS_CAT_COMPLAINT;
    v.action = MS_ACTION_ACKNOWLEDGE;
    v.priority = MS_PRIORITY_HIGH;
    v.repair_urgency = MS_URGENCY_NONE;
    v.urgent = false;
    v.respond_by_ms = 1717000000000LL;
    v.sentiment = (ms_sentiment){-0.51234f, 0.1f, 0.3f, 0.6f};
    v.n_redactions = 1;
    v.redaction[0] = (ms_redaction){.kind = MS_PII_PHONE, .start = phone, .end = phone + 12};
    v.text_bytes_scanned = (uint32_t)strlen(k_text);
    return v;
}

/** @brief The text of the label object for `category` in the output. */
static void label_slice(const ms_buf *b, const char *category, char *dst, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "{\"category\":\"%s\"", category);
    long at = pos_of(b, key);
    assert_true(at >= 0);
    const char *end = strstr(b->data + at, "\"evidence_dropped\"");
    assert_non_null(end);
    size_t n = (size_t)(end - (b->data + at));
    assert_true(n < cap);
    memcpy(dst, b->data + at, n);
    dst[n] = '\0';
}

static void test_classified_json(void **state)
{
    (void)state;
    ms_mention m = {.id = S("m-7"), .platform = MS_PLATFORM_FACEBOOK,
                    .kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                    .text = {k_text, sizeof k_text - 1}, .created_at_ms = 5};
    ms_verdict v = sample_verdict();
    ms_encode_ctx ctx = {.rules = NULL, .classified_at_ms = 12345, .redact = true};
    ms_buf out;
    ms_buf_init(&out);
    assert_true(ms_encode_classified(&out, MS_ENC_JSON, &ctx, &m, &v));
    ms_buf_terminate(&out);
    assert_json_object(&out);

    /* The phone number is masked byte for byte and appears nowhere. */
    assert_has(&out, "\"text\":\"Call me on ************ you idiot, the boiler's broken\"");
    assert_int_equal(count_of(&out, "07700"), 0);
    assert_int_equal(count_of(&out, "900123"), 0);

    /* Labels in category order, with rule ids from the index. */
    long p_prof = pos_of(&out, "\"category\":\"profanity\"");
    long p_pii = pos_of(&out, "\"category\":\"personal_info\"");
    long p_comp = pos_of(&out, "\"category\":\"complaint\"");
    long p_rep = pos_of(&out, "\"category\":\"repair\"");
    assert_true(p_prof >= 0 && p_prof < p_pii && p_pii < p_comp && p_comp < p_rep);

    char slice[1024];
    label_slice(&out, "profanity", slice, sizeof slice);
    assert_non_null(strstr(slice, "\"rule\":\"rule#3\",\"clause\":\"\",\"start\":28,\"end\":33,"
                                  "\"match\":\"idiot\""));
    assert_non_null(strstr(slice, "\"score\":0.8000"));
    label_slice(&out, "personal_info", slice, sizeof slice);
    assert_non_null(strstr(slice, "\"rule\":\"rule#7\""));
    assert_null(strstr(slice, "match")); /* never for personal_info */
    label_slice(&out, "complaint", slice, sizeof slice);
    assert_non_null(strstr(slice, "\"score\":0.6124"));
    assert_non_null(strstr(slice, "{\"rule\":\"rule#5\",\"clause\":\"\",\"start\":17,\"end\":33}"));
    assert_non_null(strstr(slice, "\"match\":\"boiler\""));
    assert_has(&out, "\"evidence_dropped\":2}");
    label_slice(&out, "repair", slice, sizeof slice);
    assert_non_null(strstr(slice, "\"match\":\"broken\""));

    assert_has(&out, "\"primary\":\"complaint\",\"action\":\"acknowledge\",\"priority\":\"high\","
                     "\"respond_by\":1717000000000,\"urgent\":false,\"repair_urgency\":\"\"");
    assert_has(&out, "\"sentiment\":{\"compound\":-0.5123,\"pos\":0.1000,\"neg\":0.3000,"
                     "\"neu\":0.6000}");
    assert_has(&out, "\"redactions\":[{\"kind\":\"phone\",\"start\":11,\"end\":23}]");
    assert_has(&out, "\"ruleset_version\":\"\",\"classified_at\":12345}");
    assert_int_equal(out.data[out.len - 1], '}'); /* no trailing newline */

    /* The "mention" object decodes as a Mention with the masked text. */
    ms_decoder *d = ms_decoder_new();
    ms_mention back;
    ms_codec_error e;
    long mo = pos_of(&out, "{\"id\"");
    long me = pos_of(&out, ",\"labels\"");
    assert_true(mo > 0 && me > mo);
    assert_true(ms_decode_mention(d, MS_ENC_JSON, out.data + mo, (size_t)(me - mo), &back, &e));
    assert_str(back.text, "Call me on ************ you idiot, the boiler's broken");
    assert_str(back.id, "m-7");
    assert_int_equal(back.platform, MS_PLATFORM_FACEBOOK);
    assert_true(back.page_owned);
    assert_int_equal(back.created_at_ms, 5);
    /* The whole event is valid for the decoder too (unknown fields ignored). */
    assert_true(ms_decode_mention(d, MS_ENC_JSON, out.data, out.len, &back, &e));

    /* Without redaction the text is clear, but PII still never appears in
     * "match", nor does evidence overlapping a redaction span. */
    ctx.redact = false;
    ms_buf_reset(&out);
    assert_true(ms_encode_classified(&out, MS_ENC_JSON, &ctx, &m, &v));
    assert_json_object(&out);
    assert_int_equal(count_of(&out, "07700"), 1); /* in the text only */
    assert_int_equal(count_of(&out, "\"match\""), 3); /* idiot, boiler, broken */

    /* Even with no redaction span, personal_info evidence has no "match";
     * other evidence over the same bytes now does. */
    ms_verdict nored = v;
    nored.n_redactions = 0;
    ctx.redact = true;
    ms_buf_reset(&out);
    assert_true(ms_encode_classified(&out, MS_ENC_JSON, &ctx, &m, &nored));
    assert_json_object(&out);
    label_slice(&out, "personal_info", slice, sizeof slice);
    assert_null(strstr(slice, "match"));
    assert_has(&out, "\"match\":\"900123 you idiot\"");
    assert_has(&out, "\"redactions\":[]");
    ms_decoder_free(d);
    ms_buf_free(&out);
}

static void test_classified_json_exact(void **state)
{
    (void)state;
    ms_mention m = {.id = S("i"), .platform = MS_PLATFORM_X, .kind = MS_KIND_REPLY,
                    .text = S("pipe burst \xc3\xa9")};
    ms_verdict v;
    memset(&v, 0, sizeof v);
    v.labels = 1u << MS_CAT_REPAIR;
    v.label[MS_CAT_REPAIR] = (ms_label){.score = NAN, .n_evidence = 1,
                                        .evidence = {{0, 5, 10}}};
    v.primary = MS_CAT_REPAIR;
    v.action = MS_ACTION_REDIRECT_TO_REPAIRS;
    v.priority = MS_PRIORITY_URGENT;
    v.urgent = true;
    v.repair_urgency = MS_URGENCY_EMERGENCY;
    v.sentiment = (ms_sentiment){INFINITY, -0.00001f, 0.99999f, 0.0f};
    /* A redaction cutting the 2-byte 'é' in half: the masked byte is '*',
     * the byte left behind is invalid UTF-8 and comes out as \ufffd. */
    v.n_redactions = 1;
    v.redaction[0] = (ms_redaction){.kind = MS_PII_ADDRESS, .start = 11, .end = 12};
    ms_buf out;
    ms_buf_init(&out);
    assert_true(ms_encode_classified(&out, MS_ENC_JSON, NULL, &m, &v));
    ms_buf_terminate(&out);
    const char *want =
        "{\"mention\":{\"id\":\"i\",\"platform\":\"x\",\"kind\":\"reply\",\"page_owned\":false,"
        "\"author\":{\"id\":\"\",\"handle\":\"\",\"display_name\":\"\"},"
        "\"text\":\"pipe burst *\\ufffd\",\"created_at\":0,\"post_id\":\"\",\"parent_id\":\"\","
        "\"permalink\":\"\",\"language\":\"\"},"
        "\"labels\":[{\"category\":\"repair\",\"score\":0.0000,\"evidence\":[{\"rule\":\"rule#0\","
        "\"clause\":\"\",\"start\":5,\"end\":10,\"match\":\"burst\"}],\"evidence_dropped\":0}],"
        "\"primary\":\"repair\",\"action\":\"redirect_to_repairs_channel\",\"priority\":\"urgent\","
        "\"respond_by\":0,\"urgent\":true,\"repair_urgency\":\"emergency\","
        "\"removal\":\"\",\"removal_clause\":\"\","
        "\"sentiment\":{\"compound\":1000000.0000,\"pos\":0.0000,\"neg\":1.0000,\"neu\":0.0000},"
        "\"redactions\":[{\"kind\":\"address\",\"start\":11,\"end\":12}],"
        "\"ruleset_version\":\"\",\"classified_at\":0}";
    assert_string_equal(out.data, want);

    /* Bad enums in the verdict are refused and leave `out` unchanged. */
    size_t len = out.len;
    v.primary = (ms_category)MS_CAT_COUNT;
    assert_false(ms_encode_classified(&out, MS_ENC_JSON, NULL, &m, &v));
    assert_false(ms_encode_classified(&out, MS_ENC_PROTOBUF, NULL, &m, &v));
    v.primary = MS_CAT_REPAIR;
    v.redaction[0].kind = (ms_pii_kind)77;
    assert_false(ms_encode_classified(&out, MS_ENC_JSON, NULL, &m, &v));
    assert_int_equal(out.len, len);
    ms_buf_free(&out);
}

/** @brief (start, end) pairs of the evidence in the JSON "labels" array. */
static size_t json_evidence(const ms_buf *b, uint32_t *se, size_t cap)
{
    long from = pos_of(b, "\"labels\":[");
    long to = pos_of(b, "],\"primary\"");
    assert_true(from >= 0 && to > from);
    size_t n = 0;
    for (long i = from; i < to && n + 2 <= cap; i++) {
        unsigned s, e;
        if (sscanf(b->data + i, "\"start\":%u,\"end\":%u", &s, &e) == 2) {
            se[n++] = s;
            se[n++] = e;
        }
    }
    return n;
}

/* protobuf-c strings end at a NUL: a NUL in the text (JSON's \u0000) is
 * written as '?', one byte for one, so the text is not cut short of the
 * evidence and redaction spans after it. */
static void test_protobuf_nul_in_text(void **state)
{
    (void)state;
    static const char text[] = "hi\0 you twat, ring 07700 900123";
    ms_mention m = {.id = {"n\0l", 3}, .text = {text, sizeof text - 1}, .created_at_ms = 5};
    ms_buf pb;
    ms_buf_init(&pb);
    assert_true(ms_encode_mention(&pb, MS_ENC_PROTOBUF, &m));
    Mentionsift__Mention *pm = mentionsift__mention__unpack(NULL, pb.len, (uint8_t *)pb.data);
    assert_non_null(pm);
    assert_string_equal(pm->text, "hi? you twat, ring 07700 900123");
    assert_string_equal(pm->id, "n?l");
    mentionsift__mention__free_unpacked(pm, NULL);
    ms_verdict v = sample_verdict();
    ms_encode_ctx ctx = {.rules = NULL, .classified_at_ms = 1, .redact = false};
    ms_buf_reset(&pb);
    assert_true(ms_encode_classified(&pb, MS_ENC_PROTOBUF, &ctx, &m, &v));
    Mentionsift__Classified *c =
        mentionsift__classified__unpack(NULL, pb.len, (uint8_t *)pb.data);
    assert_non_null(c);
    assert_non_null(c->mention);
    assert_int_equal(strlen(c->mention->text), sizeof text - 1);
    mentionsift__classified__free_unpacked(c, NULL);
    ms_buf_free(&pb);
}

static void test_classified_protobuf(void **state)
{
    (void)state;
    ms_mention m = {.id = S("m-7"), .platform = MS_PLATFORM_LINKEDIN,
                    .kind = MS_KIND_INBOX_MESSAGE, .author = {S("a"), S("@h"), S("H")},
                    .text = {k_text, sizeof k_text - 1}, .created_at_ms = 99,
                    .language = S("en")};
    ms_verdict v = sample_verdict();
    v.removal = MS_REMOVAL_NEVER;
    v.removal_clause = "2.26";
    ms_encode_ctx ctx = {.rules = NULL, .classified_at_ms = 777, .redact = true};
    ms_buf js, pb;
    ms_buf_init(&js);
    ms_buf_init(&pb);
    assert_true(ms_encode_classified(&js, MS_ENC_JSON, &ctx, &m, &v));
    ms_buf_terminate(&js);
    assert_non_null(strstr(js.data, "\"removal\":\"never\",\"removal_clause\":\"2.26\""));
    /* a clause is the rule author's text: quotes and backslashes are escaped */
    ms_verdict odd = v;
    odd.removal_clause = "2.22 \"welfare\"\\ (see 2.3)";
    ms_buf oj;
    ms_buf_init(&oj);
    assert_true(ms_encode_classified(&oj, MS_ENC_JSON, &ctx, &m, &odd));
    ms_buf_terminate(&oj);
    assert_non_null(strstr(oj.data, "\"removal_clause\":\"2.22 \\\"welfare\\\"\\\\ (see 2.3)\","));
    ms_buf_free(&oj);
    ms_buf_puts(&pb, "keep"); /* appended after what is there */
    assert_true(ms_encode_classified(&pb, MS_ENC_PROTOBUF, &ctx, &m, &v));
    assert_memory_equal(pb.data, "keep", 4);

    Mentionsift__Classified *c =
        mentionsift__classified__unpack(NULL, pb.len - 4, (uint8_t *)pb.data + 4);
    assert_non_null(c);
    assert_string_equal(c->primary, "complaint");
    assert_string_equal(c->action, "acknowledge");
    assert_string_equal(c->priority, "high");
    assert_int_equal(c->respond_by, 1717000000000LL);
    assert_false(c->urgent);
    assert_string_equal(c->repair_urgency, "");
    assert_string_equal(c->removal, "never");
    assert_string_equal(c->removal_clause, "2.26");
    assert_string_equal(c->ruleset_version, "");
    assert_int_equal(c->classified_at, 777);
    assert_non_null(c->sentiment);
    assert_float_equal(c->sentiment->compound, -0.51234f, 1e-6);
    assert_float_equal(c->sentiment->neu, 0.6f, 1e-6);
    assert_int_equal(c->n_redactions, 1);
    assert_string_equal(c->redactions[0]->kind, "phone");
    assert_int_equal(c->redactions[0]->start, 11);
    assert_int_equal(c->redactions[0]->end, 23);

    assert_non_null(c->mention);
    assert_string_equal(c->mention->text, "Call me on ************ you idiot, the boiler's broken");
    assert_string_equal(c->mention->id, "m-7");
    assert_int_equal(c->mention->platform, MENTIONSIFT__PLATFORM__PLATFORM_LINKEDIN);
    assert_int_equal(c->mention->kind, MENTIONSIFT__KIND__KIND_INBOX_MESSAGE);
    assert_non_null(c->mention->author);
    assert_string_equal(c->mention->author->handle, "@h");
    assert_string_equal(c->mention->language, "en");
    assert_int_equal(c->mention->created_at, 99);

    /* Same labels, in the same order, with the same evidence as the JSON. */
    static const char *const cats[] = {"profanity", "personal_info", "complaint", "repair"};
    assert_int_equal(c->n_labels, 4);
    uint32_t se[64];
    size_t nse = json_evidence(&js, se, 64);
    assert_int_equal(nse, 2 * 5);
    size_t k = 0;
    for (size_t i = 0; i < c->n_labels; i++) {
        const Mentionsift__Label *l = c->labels[i];
        assert_string_equal(l->category, cats[i]);
        ms_category cat = MS_CAT_COUNT;
        assert_true(ms_category_parse(l->category, strlen(l->category), &cat));
        const ms_label *want = &v.label[cat];
        assert_int_equal(l->n_evidence, want->n_evidence);
        assert_int_equal(l->evidence_dropped, want->dropped_evidence);
        assert_float_equal(l->score, want->score, 1e-6);
        for (size_t j = 0; j < l->n_evidence; j++) {
            char rule[16];
            snprintf(rule, sizeof rule, "rule#%u", (unsigned)want->evidence[j].rule);
            assert_string_equal(l->evidence[j]->rule, rule);
            assert_string_equal(l->evidence[j]->clause, "");
            assert_int_equal(l->evidence[j]->start, want->evidence[j].start);
            assert_int_equal(l->evidence[j]->end, want->evidence[j].end);
            assert_int_equal(l->evidence[j]->start, se[k++]);
            assert_int_equal(l->evidence[j]->end, se[k++]);
        }
    }
    assert_int_equal(k, nse);
    mentionsift__classified__free_unpacked(c, NULL);

    /* Without redaction the protobuf text is the original. */
    ctx.redact = false;
    ms_buf_reset(&pb);
    assert_true(ms_encode_classified(&pb, MS_ENC_PROTOBUF, &ctx, &m, &v));
    c = mentionsift__classified__unpack(NULL, pb.len, (uint8_t *)pb.data);
    assert_non_null(c);
    assert_string_equal(c->mention->text, k_text);
    mentionsift__classified__free_unpacked(c, NULL);

    /* A verdict with no labels packs and unpacks. */
    ms_verdict none;
    memset(&none, 0, sizeof none);
    none.primary = MS_CAT_OTHER;
    ms_buf_reset(&pb);
    assert_true(ms_encode_classified(&pb, MS_ENC_PROTOBUF, &ctx, &m, &none));
    c = mentionsift__classified__unpack(NULL, pb.len, (uint8_t *)pb.data);
    assert_non_null(c);
    assert_int_equal(c->n_labels, 0);
    assert_string_equal(c->primary, "other");
    assert_string_equal(c->action, "none");
    mentionsift__classified__free_unpacked(c, NULL);
    ms_buf_free(&js);
    ms_buf_free(&pb);
}

/* The protobuf encoder packs a Classified event into room reserved from a
 * counted upper bound instead of measuring it (pb_out.c) and aborts if it
 * packs past it. Every field at its widest - every label with all its
 * evidence, every redaction, 10-byte varints (negative int64s, UINT32_MAX
 * offsets), "rule#4294967295" ids, a 1 MiB text and every string set - must
 * pack within the bound and unpack to what was given. */
static void test_classified_protobuf_extremes(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, 'x', big);
    text[big] = '\0';
    ms_mention m = {.id = S("an-id-of-some-length-0123456789"), .platform = MS_PLATFORM_X,
                    .kind = MS_KIND_EXTERNAL_MENTION, .page_owned = true,
                    .author = {S("author-id"), S("@handle"), S("Display Name")},
                    .text = {text, big}, .created_at_ms = INT64_MIN,
                    .post_id = S("post"), .parent_id = S("parent"),
                    .permalink = S("https://example.org/p/1"), .language = S("en-GB")};
    ms_verdict v;
    memset(&v, 0, sizeof v);
    for (int c = 0; c < MS_CAT_COUNT; c++) {
        v.labels |= 1u << c;
        v.label[c].score = c % 2 ? NAN : -INFINITY;
        v.label[c].n_evidence = MS_MAX_EVIDENCE;
        v.label[c].dropped_evidence = UINT8_MAX;
        for (int e = 0; e < MS_MAX_EVIDENCE; e++)
            v.label[c].evidence[e] = (ms_evidence){UINT32_MAX - (uint32_t)e, UINT32_MAX - 1,
                                                   UINT32_MAX};
    }
    v.primary = MS_CAT_COUNT - 1;
    v.action = MS_ACTION_REVIEW_FOR_REMOVAL;
    v.priority = MS_PRIORITY_URGENT;
    v.repair_urgency = MS_URGENCY_EMERGENCY;
    v.urgent = true;
    v.respond_by_ms = INT64_MIN;
    v.sentiment = (ms_sentiment){-1.0f, INFINITY, NAN, 1.0f};
    v.n_redactions = MS_MAX_REDACTIONS;
    for (int i = 0; i < MS_MAX_REDACTIONS; i++)
        v.redaction[i] = (ms_redaction){.kind = MS_PII_NI_NUMBER, .start = (uint32_t)i * 10u,
                                        .end = (uint32_t)i * 10u + 9u};
    ms_encode_ctx ctx = {.rules = NULL, .classified_at_ms = INT64_MIN, .redact = true};
    ms_buf pb;
    ms_buf_init(&pb);
    assert_true(ms_encode_classified(&pb, MS_ENC_PROTOBUF, &ctx, &m, &v));
    Mentionsift__Classified *c = mentionsift__classified__unpack(NULL, pb.len,
                                                                (uint8_t *)pb.data);
    assert_non_null(c);
    assert_int_equal(protobuf_c_message_get_packed_size(&c->base), pb.len);
    assert_int_equal(c->n_labels, MS_CAT_COUNT);
    for (size_t i = 0; i < c->n_labels; i++) {
        assert_int_equal(c->labels[i]->n_evidence, MS_MAX_EVIDENCE);
        assert_int_equal(c->labels[i]->evidence_dropped, UINT8_MAX);
        assert_string_equal(c->labels[i]->evidence[0]->rule, "rule#4294967295");
        assert_int_equal(c->labels[i]->evidence[0]->end, UINT32_MAX);
    }
    assert_int_equal(c->n_redactions, MS_MAX_REDACTIONS);
    assert_true(c->respond_by == INT64_MIN && c->classified_at == INT64_MIN);
    assert_true(c->mention->created_at == INT64_MIN);
    assert_int_equal(strlen(c->mention->text), big);
    assert_memory_equal(c->mention->text, "*********x", 10);
    assert_string_equal(c->mention->permalink, "https://example.org/p/1");
    mentionsift__classified__free_unpacked(c, NULL);
    ms_buf_free(&pb);
    free(text);
}

/* proto3 strings must be UTF-8: a Classified event's strings come out valid
 * whatever the input bytes, each invalid byte replaced by one '?' so that
 * the offsets into the text still line up; the redaction is masked on the
 * original bytes first. */
static void test_classified_protobuf_valid_utf8(void **state)
{
    (void)state;
    static const char text[] = "\xff call 07700 900123 \xc3 caf\xc3\xa9 \xed\xa0\x80";
    ms_mention m = {.id = S("id-\x80"), .kind = MS_KIND_PUBLIC_COMMENT, .page_owned = true,
                    .author = {S("author-\xfe"), S("@h\xc0\xaf"), S("Name")},
                    .text = {text, sizeof text - 1}};
    ms_verdict v;
    memset(&v, 0, sizeof v);
    v.labels = 1u << MS_CAT_PERSONAL_INFO;
    v.primary = MS_CAT_PERSONAL_INFO;
    v.n_redactions = 1;
    v.redaction[0] = (ms_redaction){.kind = MS_PII_PHONE, .start = 7, .end = 19};
    ms_encode_ctx ctx = {.rules = NULL, .redact = true};
    ms_buf pb;
    ms_buf_init(&pb);
    assert_true(ms_encode_classified(&pb, MS_ENC_PROTOBUF, &ctx, &m, &v));
    Mentionsift__Classified *c = mentionsift__classified__unpack(NULL, pb.len,
                                                                (uint8_t *)pb.data);
    assert_non_null(c);
    assert_string_equal(c->mention->text, "? call ************ ? caf\xc3\xa9 ???");
    assert_int_equal(strlen(c->mention->text), sizeof text - 1);
    assert_string_equal(c->mention->id, "id-?");
    assert_string_equal(c->mention->author->id, "author-?");
    assert_string_equal(c->mention->author->handle, "@h??");
    mentionsift__classified__free_unpacked(c, NULL);
    ms_buf_free(&pb);
}

/* A RepeatOffender record (2.24), both encodings: exact JSON (escapes, the
 * rule list split into an array) and a protobuf that unpacks to the same. */
static void test_repeat_offender(void **state)
{
    (void)state;
    ms_offence off[2] = {{.event_id = "e-1", .rules = "profanity.strong,hate.racism", .at_ms = 5},
                         {.event_id = "e\"2", .rules = "", .at_ms = 7}};
    ms_repeat_offender r = {.author_id = S("a\nb"), .violations = 2, .threshold = 2,
                            .window_ms = 1000, .detected_at_ms = 9, .offences = off,
                            .n_offences = 2};
    ms_buf out;
    ms_buf_init(&out);
    assert_true(ms_encode_repeat_offender(&out, MS_ENC_JSON, &r));
    ms_buf_terminate(&out);
    assert_string_equal(
        out.data,
        "{\"author_id\":\"a\\nb\",\"violations\":2,\"threshold\":2,\"window_ms\":1000,"
        "\"action\":\"review_for_block\",\"clause\":\"2.24\",\"offences\":["
        "{\"event_id\":\"e-1\",\"at\":5,\"rules\":[\"profanity.strong\",\"hate.racism\"]},"
        "{\"event_id\":\"e\\\"2\",\"at\":7,\"rules\":[]}],\"detected_at\":9}");

    ms_buf_reset(&out);
    assert_true(ms_encode_repeat_offender(&out, MS_ENC_PROTOBUF, &r));
    Mentionsift__RepeatOffender *p =
        mentionsift__repeat_offender__unpack(NULL, out.len, (uint8_t *)out.data);
    assert_non_null(p);
    assert_string_equal(p->author_id, "a\nb");
    assert_int_equal(p->violations, 2);
    assert_int_equal(p->window_ms, 1000);
    assert_string_equal(p->action, "review_for_block");
    assert_string_equal(p->clause, "2.24");
    assert_int_equal(p->n_offences, 2);
    assert_string_equal(p->offences[0]->event_id, "e-1");
    assert_int_equal(p->offences[0]->n_rules, 2);
    assert_string_equal(p->offences[0]->rules[1], "hate.racism");
    assert_int_equal(p->offences[1]->n_rules, 0);
    assert_int_equal(p->offences[1]->at, 7);
    assert_int_equal(p->detected_at, 9);
    mentionsift__repeat_offender__free_unpacked(p, NULL);

    /* proto3 strings must be UTF-8: bytes from a key that are not become '?' */
    ms_buf_reset(&out);
    r.author_id = S("a\xff" "b");
    assert_true(ms_encode_repeat_offender(&out, MS_ENC_PROTOBUF, &r));
    p = mentionsift__repeat_offender__unpack(NULL, out.len, (uint8_t *)out.data);
    assert_non_null(p);
    assert_string_equal(p->author_id, "a?b");
    mentionsift__repeat_offender__free_unpacked(p, NULL);

    /* offences promised but missing are refused, `out` unchanged */
    size_t len = out.len;
    r.offences = NULL;
    assert_false(ms_encode_repeat_offender(&out, MS_ENC_JSON, &r));
    assert_false(ms_encode_repeat_offender(&out, MS_ENC_PROTOBUF, &r));
    assert_int_equal(out.len, len);
    ms_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_names_values),
        cmocka_unit_test(test_json_decode_full),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_json_unknown_and_null_fields),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_json_too_many_tokens),
        cmocka_unit_test(test_decoder_reuses_memory),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_auto_detection),
        cmocka_unit_test(test_protobuf_decode_cases),
        cmocka_unit_test(test_invalid_utf8_survives),
        cmocka_unit_test(test_classified_json),
        cmocka_unit_test(test_classified_json_exact),
        cmocka_unit_test(test_classified_protobuf),
        cmocka_unit_test(test_protobuf_nul_in_text),
        cmocka_unit_test(test_classified_protobuf_extremes),
        cmocka_unit_test(test_classified_protobuf_valid_utf8),
        cmocka_unit_test(test_repeat_offender),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
