/*
 * test_route.c - where an event goes (src/kafka/route.h) with the default
 * topics: its primary category's topic, plus moderation for a House Rules
 * ground (a removal answer), the consent topic for a take-down request, the
 * case topic for someone's own case, and urgent when urgent, and never one topic twice, though several categories
 * share the moderation topic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kafka/config.h"
#include "kafka/route.h"

/* A verdict with only these labels; everything else zero. */
#define WITH(bits) ((ms_verdict){.labels = (bits)})
#define BIT(c) (1u << (c))

/* The default config (profanity shares the moderation topic) and its
 * topics, for every test. */
static ms_config cfg;
static ms_routes routes;

static int setup(void **state)
{
    ms_buf e;
    ms_buf_init(&e);
    char *const env[] = {NULL};
    bool ok = ms_config_load(&cfg, NULL, env, &e) && ms_routes_init(&routes, &cfg);
    ms_buf_free(&e);
    *state = &routes;
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    ms_config_free(&cfg);
    return 0;
}

static void test_routes_no_topic_twice(void **state)
{
    const ms_routes r = *(const ms_routes *)*state;
    uint8_t out[MS_MAX_TOPICS];
    ms_verdict v = WITH(BIT(MS_CAT_PROFANITY) | BIT(MS_CAT_DETRIMENTAL));
    v.primary = MS_CAT_DETRIMENTAL;
    v.removal = MS_REMOVAL_REVIEW;
    v.urgent = true;
    size_t n = ms_routes_for(&r, &v, out);
    assert_int_equal(n, 2);                              /* moderation once, urgent once */
    assert_string_equal(r.names[out[0]], "whg.classified.moderation");
    assert_string_equal(r.names[out[1]], "whg.classified.urgent");
    v = WITH(BIT(MS_CAT_COMPLAINT) | BIT(MS_CAT_PROFANITY));
    v.primary = MS_CAT_COMPLAINT;
    v.removal = MS_REMOVAL_REVIEW;
    n = ms_routes_for(&r, &v, out);
    assert_int_equal(n, 2);
    assert_string_equal(r.names[out[0]], "whg.classified.complaint");
    assert_string_equal(r.names[out[1]], "whg.classified.moderation");
}

/* Moderation follows the removal answer, not the labels alone: personal
 * information in an inbox message is no ground (decide.c), so no removal
 * answer and no moderation record; a repair that must stay is still shown
 * to the Specialist, marked "never". */
static void test_moderation_follows_removal(void **state)
{
    const ms_routes r = *(const ms_routes *)*state;
    uint8_t out[MS_MAX_TOPICS];
    ms_verdict v = WITH(BIT(MS_CAT_PERSONAL_INFO) | BIT(MS_CAT_QUESTION));
    v.primary = MS_CAT_QUESTION;
    v.removal = MS_REMOVAL_NONE;
    assert_int_equal(ms_routes_for(&r, &v, out), 1);
    assert_string_equal(r.names[out[0]], "whg.classified.question");
    v = WITH(BIT(MS_CAT_REPAIR) | BIT(MS_CAT_PROFANITY));
    v.primary = MS_CAT_REPAIR;
    v.removal = MS_REMOVAL_NEVER;
    assert_int_equal(ms_routes_for(&r, &v, out), 2);
    assert_string_equal(r.names[out[0]], "whg.classified.repair");
    assert_string_equal(r.names[out[1]], "whg.classified.moderation");
}

/* A take-down request (2.14: an obligation) and someone's own case (2.26: a
 * neighbour dispute that is also a complaint is seen by both teams) reach
 * their category's topic whatever the primary category, once. */
static void test_always_routed_categories(void **state)
{
    const ms_routes r = *(const ms_routes *)*state;
    static const struct {
        ms_category c;
        const char *topic;
    } cases[] = {{MS_CAT_CONSENT_WITHDRAWAL, "whg.classified.consent"},
                 {MS_CAT_INDIVIDUAL_CASE, "whg.classified.case"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[MS_MAX_TOPICS];
        ms_verdict v = WITH(BIT(MS_CAT_COMPLAINT) | BIT(cases[i].c));
        v.primary = MS_CAT_COMPLAINT;
        assert_int_equal(ms_routes_for(&r, &v, out), 2);
        assert_string_equal(r.names[out[0]], "whg.classified.complaint");
        assert_string_equal(r.names[out[1]], cases[i].topic);
        v.primary = cases[i].c;
        assert_int_equal(ms_routes_for(&r, &v, out), 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_no_topic_twice),
        cmocka_unit_test(test_moderation_follows_removal),
        cmocka_unit_test(test_always_routed_categories),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
