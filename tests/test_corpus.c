/*
 * test_corpus.c - the synthetic firehose (core/corpus.h): determinism, length
 * bounds, UTF-8 validity, scenario coverage of the default mix, the mean_len
 * option, and the metadata invariants (ids, timestamps, kinds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/corpus.h"

/** @brief Strict UTF-8 check: no overlongs, surrogates or code points above U+10FFFF. */
static bool utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i < k + 1) /* truncated sequence */
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

static void test_utf8_validator(void **state)
{
    (void)state;
    assert_true(utf8_valid("abc", 3));
    assert_true(utf8_valid("\xC3\xA9", 2));
    assert_true(utf8_valid("\xF0\x9F\x91\x8D", 4));
    assert_false(utf8_valid("\xC3", 1));
    assert_false(utf8_valid("\xF0\x9F\x91", 3));
    assert_false(utf8_valid("\xC0\xAF", 2));
    assert_false(utf8_valid("\xED\xA0\x80", 3));
    assert_false(utf8_valid("\x80", 1));
}

/** @brief FNV-1a over a view, chained from h. */
static uint64_t fnv(uint64_t h, ms_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.ptr[i];
        h *= 0x100000001B3ULL;
    }
    return h ^ 0xFF;
}

/** @brief Hash of everything in a mention, to compare two runs. */
static uint64_t mention_hash(const ms_mention *m)
{
    uint64_t h = 0xCBF29CE484222325ULL;
    h = fnv(h, m->id);
    h = fnv(h, m->text);
    h = fnv(h, m->author.id);
    h = fnv(h, m->author.handle);
    h = fnv(h, m->author.display_name);
    h = fnv(h, m->post_id);
    h = fnv(h, m->parent_id);
    h = fnv(h, m->permalink);
    h = fnv(h, m->language);
    h = (h ^ (uint64_t)m->created_at_ms) * 0x100000001B3ULL;
    h = (h ^ ((uint64_t)m->platform << 8 | (uint64_t)m->kind << 4 | m->page_owned)) *
        0x100000001B3ULL;
    return h;
}

static void test_determinism(void **state)
{
    (void)state;
    ms_corpus *a = ms_corpus_new(42, NULL);
    ms_corpus *b = ms_corpus_new(42, NULL);
    ms_corpus *d = ms_corpus_new(43, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(d);
    assert_string_equal(ms_corpus_scenario(a), "");
    assert_int_equal(ms_corpus_scenario_last(a), MS_CORPUS_SCENARIO_COUNT);
    ms_mention ma, mb, md;
    unsigned same_text_other_seed = 0;
    for (int i = 0; i < 10000; i++) {
        ms_corpus_next(a, &ma);
        ms_corpus_next(b, &mb);
        ms_corpus_next(d, &md);
        assert_int_equal(ma.text.len, mb.text.len);
        assert_memory_equal(ma.text.ptr, mb.text.ptr, ma.text.len);
        assert_int_equal(ma.id.len, mb.id.len);
        assert_memory_equal(ma.id.ptr, mb.id.ptr, ma.id.len);
        assert_int_equal(mention_hash(&ma), mention_hash(&mb));
        assert_int_equal(ms_corpus_scenario_last(a), ms_corpus_scenario_last(b));
        if (ma.text.len == md.text.len && memcmp(ma.text.ptr, md.text.ptr, ma.text.len) == 0)
            same_text_other_seed++;
        /* ids name the seed: a different seed never gives the same id */
        assert_false(ma.id.len == md.id.len && memcmp(ma.id.ptr, md.id.ptr, ma.id.len) == 0);
    }
    /* a few identical short texts by chance are fine; the streams must differ */
    assert_true(same_text_other_seed < 1000);
    ms_corpus_free(a);
    ms_corpus_free(b);
    ms_corpus_free(d);
}

static void test_ids_and_metadata(void **state)
{
    (void)state;
    ms_corpus *c = ms_corpus_new(7, NULL);
    ms_mention m;
    int64_t prev = 0;
    unsigned kinds[MS_KIND_COUNT] = {0};
    for (int i = 1; i <= 5000; i++) {
        ms_corpus_next(c, &m);
        char want[48];
        snprintf(want, sizeof want, "m-7-%d", i);
        assert_int_equal(m.id.len, strlen(want));
        assert_memory_equal(m.id.ptr, want, m.id.len);
        assert_true(m.created_at_ms > prev);
        assert_true(m.created_at_ms > 1764000000000LL);
        prev = m.created_at_ms;
        assert_true(m.author.id.len > 2);
        assert_memory_equal(m.author.id.ptr, "a-", 2);
        assert_true(m.author.handle.len > 1);
        assert_true(m.author.display_name.len > 0);
        assert_true(m.platform < MS_PLATFORM_COUNT);
        assert_true(m.kind < MS_KIND_COUNT);
        kinds[m.kind]++;
        if (ms_corpus_scenario_last(c) == MS_CORPUS_EXTERNAL) {
            assert_int_equal(m.kind, MS_KIND_EXTERNAL_MENTION);
            assert_false(m.page_owned);
        } else {
            assert_int_not_equal(m.kind, MS_KIND_EXTERNAL_MENTION);
            assert_true(m.page_owned);
        }
        if (m.kind == MS_KIND_REPLY) {
            assert_true(m.parent_id.len > 0);
            assert_memory_equal(m.parent_id.ptr, "m-7-", 4);
        } else {
            assert_int_equal(m.parent_id.len, 0);
        }
        if (ms_corpus_scenario_last(c) == MS_CORPUS_VIP)
            assert_memory_equal(m.author.handle.ptr, "@", 1);
    }
    for (int k = 0; k < MS_KIND_COUNT; k++)
        assert_true(kinds[k] > 0);
    ms_corpus_free(c);
}

/** @brief Generate n mentions with `opt`; check bounds and UTF-8; return the mean length. */
static double check_lengths(uint64_t seed, const ms_corpus_options *opt, int n, uint32_t lo,
                            uint32_t hi)
{
    ms_corpus *c = ms_corpus_new(seed, opt);
    assert_non_null(c);
    ms_mention m;
    uint64_t sum = 0;
    for (int i = 0; i < n; i++) {
        ms_corpus_next(c, &m);
        if (m.text.len < lo || m.text.len > hi)
            fail_msg("mention %d: length %zu outside [%u, %u]: %.*s", i, m.text.len, lo, hi,
                     (int)m.text.len, m.text.ptr);
        if (!utf8_valid(m.text.ptr, m.text.len))
            fail_msg("mention %d: invalid UTF-8", i);
        assert_true(utf8_valid(m.author.display_name.ptr, m.author.display_name.len));
        sum += m.text.len;
    }
    ms_corpus_free(c);
    return (double)sum / n;
}

static void test_length_bounds(void **state)
{
    (void)state;
    ms_corpus_options o;

    check_lengths(1, NULL, 20000, 20, 600);

    ms_corpus_options_default(&o);
    o.min_len = 5;
    o.max_len = 40;
    check_lengths(2, &o, 20000, 5, 40);

    ms_corpus_options_default(&o);
    o.min_len = 300;
    o.max_len = 2000;
    check_lengths(3, &o, 5000, 300, 2000);

    ms_corpus_options_default(&o);
    o.min_len = 64;
    o.max_len = 64;
    check_lengths(4, &o, 20000, 64, 64);

    ms_corpus_options_default(&o);
    o.min_len = 1;
    o.max_len = 3; /* shorter than most emoji and words: cuts at char boundaries */
    check_lengths(5, &o, 20000, 1, 3);

    ms_corpus_options_default(&o);
    o.min_len = 100;
    o.max_len = 50; /* max below min: max is raised to min */
    check_lengths(6, &o, 2000, 100, 100);

    ms_corpus_options_default(&o);
    o.min_len = 4000;
    o.max_len = 8000;
    check_lengths(8, &o, 500, 4000, 8000);
}

static void test_every_scenario_in_default_mix(void **state)
{
    (void)state;
    ms_corpus *c = ms_corpus_new(2024, NULL);
    unsigned seen[MS_CORPUS_SCENARIO_COUNT] = {0};
    ms_mention m;
    for (int i = 0; i < 20000; i++) {
        ms_corpus_next(c, &m);
        ms_corpus_scenario_id s = ms_corpus_scenario_last(c);
        assert_true(s < MS_CORPUS_SCENARIO_COUNT);
        seen[s]++;
        assert_string_equal(ms_corpus_scenario(c), ms_corpus_scenario_name(s));
    }
    for (int s = 0; s < MS_CORPUS_SCENARIO_COUNT; s++)
        if (!seen[s])
            fail_msg("scenario %s never generated", ms_corpus_scenario_name((ms_corpus_scenario_id)s));
    /* realistic proportions: common service traffic dwarfs hate and threats */
    assert_true(seen[MS_CORPUS_NEUTRAL] > 10 * seen[MS_CORPUS_HATE]);
    assert_true(seen[MS_CORPUS_COMPLAINT] > 10 * seen[MS_CORPUS_THREAT]);
    ms_corpus_free(c);
}

static void test_custom_mix(void **state)
{
    (void)state;
    ms_corpus_options o;
    ms_corpus_options_default(&o);
    memset(o.mix, 0, sizeof o.mix);
    o.mix[MS_CORPUS_HATE] = 1;
    o.mix[MS_CORPUS_REPAIR_EMERGENCY] = 1;
    ms_corpus *c = ms_corpus_new(9, &o);
    ms_mention m;
    unsigned hate = 0, emerg = 0;
    for (int i = 0; i < 2000; i++) {
        ms_corpus_next(c, &m);
        ms_corpus_scenario_id s = ms_corpus_scenario_last(c);
        assert_true(s == MS_CORPUS_HATE || s == MS_CORPUS_REPAIR_EMERGENCY);
        hate += s == MS_CORPUS_HATE;
        emerg += s == MS_CORPUS_REPAIR_EMERGENCY;
    }
    assert_true(hate > 800 && emerg > 800);
    ms_corpus_free(c);
}

static void test_mean_len(void **state)
{
    (void)state;
    static const uint32_t means[] = {60, 150, 300, 1000};
    for (size_t i = 0; i < sizeof means / sizeof means[0]; i++) {
        ms_corpus_options o;
        ms_corpus_options_default(&o);
        o.mean_len = means[i];
        o.max_len = means[i] * 2;
        double avg = check_lengths(100 + i, &o, 10000, o.min_len, o.max_len);
        double target = means[i];
        if (avg < target * 0.75 || avg > target * 1.25)
            fail_msg("mean_len %u: average %.1f", means[i], avg);
    }
    /* with the default bounds too */
    ms_corpus_options o;
    ms_corpus_options_default(&o);
    o.mean_len = 200;
    double avg = check_lengths(77, &o, 10000, 20, 600);
    assert_true(avg >= 150 && avg <= 250);
    /* a mean above the default ceiling raises the ceiling instead of being clipped */
    ms_corpus_options_default(&o);
    o.mean_len = 2000;
    avg = check_lengths(78, &o, 2000, 20, 3000);
    if (avg < 1800 || avg > 2200)
        fail_msg("mean_len 2000 with default bounds: average %.1f", avg);
}

static void test_names(void **state)
{
    (void)state;
    for (int s = 0; s < MS_CORPUS_SCENARIO_COUNT; s++) {
        const char *name = ms_corpus_scenario_name((ms_corpus_scenario_id)s);
        assert_true(strlen(name) > 0);
        ms_corpus_scenario_id back;
        assert_true(ms_corpus_scenario_parse(name, strlen(name), &back));
        assert_int_equal(back, s);
        assert_true(ms_corpus_scenario_category((ms_corpus_scenario_id)s) < MS_CAT_COUNT);
    }
    ms_corpus_scenario_id x;
    assert_false(ms_corpus_scenario_parse("nope", 4, &x));
    assert_false(ms_corpus_scenario_parse("hat", 3, &x));
    assert_string_equal(ms_corpus_scenario_name(MS_CORPUS_REPAIR_EMERGENCY), "repair_emergency");
    assert_int_equal(ms_corpus_scenario_category(MS_CORPUS_REPAIR_EMERGENCY), MS_CAT_REPAIR);
    assert_int_equal(ms_corpus_scenario_category(MS_CORPUS_THREAT), MS_CAT_DETRIMENTAL);
    assert_int_equal(ms_corpus_scenario_category(MS_CORPUS_EXTERNAL), MS_CAT_EXTERNAL);
    assert_int_equal(ms_corpus_scenario_category(MS_CORPUS_VIP), MS_CAT_VIP);
}

/** @brief The obfuscation cues the normaliser must defeat do appear in the stream. */
static void test_obfuscation_cues_present(void **state)
{
    (void)state;
    ms_corpus_options o;
    ms_corpus_options_default(&o);
    memset(o.mix, 0, sizeof o.mix);
    o.mix[MS_CORPUS_PROFANITY_OBFUSCATED] = 1;
    ms_corpus *c = ms_corpus_new(11, &o);
    ms_mention m;
    bool zwsp = false, cyr = false, leet = false;
    for (int i = 0; i < 2000; i++) {
        ms_corpus_next(c, &m);
        for (size_t k = 0; k + 3 <= m.text.len; k++)
            if (memcmp(m.text.ptr + k, "\xE2\x80\x8B", 3) == 0)
                zwsp = true;
        for (size_t k = 0; k + 1 < m.text.len; k++)
            if (memcmp(m.text.ptr + k, "\xD0\xB0", 2) == 0)
                cyr = true;
        if (memchr(m.text.ptr, '$', m.text.len) || memchr(m.text.ptr, '1', m.text.len))
            leet = true;
    }
    assert_true(zwsp);
    assert_true(cyr);
    assert_true(leet);
    ms_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_validator),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_ids_and_metadata),
        cmocka_unit_test(test_length_bounds),
        cmocka_unit_test(test_every_scenario_in_default_mix),
        cmocka_unit_test(test_custom_mix),
        cmocka_unit_test(test_mean_len),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_obfuscation_cues_present),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
