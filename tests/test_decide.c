/*
 * test_decide.c - what the policy says to do (src/decide/decide.c), on
 * hand-built verdicts, so each rule of the decision is checked alone: the
 * action per primary category, priority (public before inbox, 2.22), the
 * 48-hour deadline only where a response is due (2.25) and only when the
 * mention's time is known (else from when it was received), the
 * external/negative case (2.29), where the mention was written (inbox,
 * others' pages), the removal answer (2.3, 2.26, 2.29), and the precedence
 * table pair by pair.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "decide/decide.h"

/* A verdict with only these labels; everything else zero. */
#define WITH(bits) ((ms_verdict){.labels = (bits)})
#define BIT(c) (1u << (c))

static void test_decide_actions_and_priority(void **state)
{
    ms_mention pub = {.kind = MS_KIND_PUBLIC_COMMENT, .created_at_ms = 1000};
    ms_mention inbox = {.kind = MS_KIND_INBOX_MESSAGE, .created_at_ms = 1000};
    ms_verdict v = WITH(BIT(MS_CAT_VIP));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_ESCALATE_TO_COMMUNICATIONS);
    assert_int_equal(v.priority, MS_PRIORITY_LOW);      /* nothing to answer, not urgent */
    assert_int_equal(v.respond_by_ms, 0);               /* no deadline without a response */

    v = WITH(BIT(MS_CAT_PERSONAL_INFO));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_ASK_TO_INBOX);
    assert_int_equal(v.respond_by_ms, 1000 + MS_RESPONSE_DEADLINE_MS);

    v = WITH(BIT(MS_CAT_MISINFORMATION));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_FLAG_FOR_REVIEW);
    assert_int_equal(v.priority, MS_PRIORITY_HIGH);     /* a House Rules ground, public */

    v = WITH(BIT(MS_CAT_PROFANITY));
    ms_decide(NULL, &inbox, &v);
    assert_int_equal(v.action, MS_ACTION_REVIEW_FOR_REMOVAL);
    assert_int_equal(v.priority, MS_PRIORITY_NORMAL);
    assert_int_equal(v.respond_by_ms, 0);

    v = WITH(BIT(MS_CAT_NEGATIVE) | BIT(MS_CAT_EXTERNAL));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.primary, MS_CAT_NEGATIVE);
    assert_int_equal(v.action, MS_ACTION_REVIEW_CASE_BY_CASE);

    ms_mention undated = {.kind = MS_KIND_PUBLIC_COMMENT};
    v = WITH(BIT(MS_CAT_COMPLAINT));
    ms_decide(NULL, &undated, &v);
    assert_int_equal(v.respond_by_ms, 0);               /* created_at unknown */

    /* a library caller's absurd created_at saturates instead of overflowing */
    ms_mention far = {.kind = MS_KIND_PUBLIC_COMMENT, .created_at_ms = INT64_MAX - 5};
    v = WITH(BIT(MS_CAT_COMPLAINT));
    ms_decide(NULL, &far, &v);
    assert_true(v.respond_by_ms == INT64_MAX);

    /* a House Rules ground on a page whg does not own (2.29): reviewed case
     * by case, after whg's own channels (2.22): normal, not high */
    ms_mention ext = {.kind = MS_KIND_EXTERNAL_MENTION, .created_at_ms = 1000};
    v = WITH(BIT(MS_CAT_PROFANITY) | BIT(MS_CAT_EXTERNAL));
    ms_decide(NULL, &ext, &v);
    assert_int_equal(v.action, MS_ACTION_REVIEW_CASE_BY_CASE);
    assert_int_equal(v.removal, MS_REMOVAL_NOT_OURS);
    assert_int_equal(v.priority, MS_PRIORITY_NORMAL);
    v = WITH(BIT(MS_CAT_PROFANITY));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.priority, MS_PRIORITY_HIGH);     /* the same on whg's own page */

    /* the precedence table, pairwise */
    for (int i = 0; i + 1 < MS_CAT_COUNT; i++) {
        v = WITH(BIT(ms_decide_precedence[i]) | BIT(ms_decide_precedence[i + 1]));
        ms_decide(NULL, &pub, &v);
        assert_int_equal(v.primary, ms_decide_precedence[i]);
    }
}

/* The same labels ask for different things by where they were written. */
static void test_decide_where_written(void **state)
{
    ms_mention pub = {.kind = MS_KIND_PUBLIC_COMMENT, .created_at_ms = 1000};
    ms_mention inbox = {.kind = MS_KIND_INBOX_MESSAGE, .created_at_ms = 1000};

    /* personal information in the inbox is what 2.27 asks for: no ground */
    ms_verdict v = WITH(BIT(MS_CAT_PERSONAL_INFO));
    ms_decide(NULL, &inbox, &v);
    assert_int_equal(v.primary, MS_CAT_OTHER);
    assert_int_equal(v.removal, MS_REMOVAL_NONE);
    assert_string_equal(v.removal_clause, "");
    assert_int_equal(v.priority, MS_PRIORITY_LOW);
    assert_true(ms_verdict_has(&v, MS_CAT_PERSONAL_INFO)); /* the label stays */
    assert_true(ms_verdict_has(&v, MS_CAT_OTHER));         /* the primary is a label */
    v = WITH(BIT(MS_CAT_PERSONAL_INFO) | BIT(MS_CAT_QUESTION));
    ms_decide(NULL, &inbox, &v);
    assert_int_equal(v.primary, MS_CAT_QUESTION);
    assert_int_equal(v.action, MS_ACTION_REPLY_IN_INBOX);  /* not on a post */
    assert_int_equal(v.priority, MS_PRIORITY_NORMAL);
    v = WITH(BIT(MS_CAT_PERSONAL_INFO));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.removal, MS_REMOVAL_REVIEW);         /* in public it is one */

    /* a page whg does not own: nothing to remove, case by case (2.29) */
    v = WITH(BIT(MS_CAT_PROFANITY) | BIT(MS_CAT_EXTERNAL));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.primary, MS_CAT_PROFANITY);
    assert_int_equal(v.action, MS_ACTION_REVIEW_CASE_BY_CASE);
    assert_int_equal(v.removal, MS_REMOVAL_NOT_OURS);
    assert_string_equal(v.removal_clause, "2.29");
    v = WITH(BIT(MS_CAT_MISINFORMATION) | BIT(MS_CAT_EXTERNAL));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_FLAG_FOR_REVIEW);  /* still never decided alone */
    v = WITH(BIT(MS_CAT_COMPLAINT) | BIT(MS_CAT_EXTERNAL));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_ACKNOWLEDGE);      /* the process as above */
    assert_int_equal(v.respond_by_ms, 1000 + MS_RESPONSE_DEADLINE_MS);

    /* negative comments: responded to on whg's pages (2.2), not elsewhere */
    v = WITH(BIT(MS_CAT_NEGATIVE));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_ACKNOWLEDGE);
    assert_int_equal(v.priority, MS_PRIORITY_HIGH);
    assert_int_equal(v.respond_by_ms, 1000 + MS_RESPONSE_DEADLINE_MS);
    v = WITH(BIT(MS_CAT_NEGATIVE) | BIT(MS_CAT_EXTERNAL));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.priority, MS_PRIORITY_LOW);
    assert_int_equal(v.respond_by_ms, 0);

    /* personal information: a person asked to inbox us on whg's pages
     * (2.27) within the deadline; not on others' pages (2.29), nor the
     * contact number of an advert, which is for the Specialist's review */
    v = WITH(BIT(MS_CAT_PERSONAL_INFO));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_ASK_TO_INBOX);
    assert_int_equal(v.respond_by_ms, 1000 + MS_RESPONSE_DEADLINE_MS);
    v = WITH(BIT(MS_CAT_PERSONAL_INFO) | BIT(MS_CAT_EXTERNAL));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_REVIEW_CASE_BY_CASE);
    assert_int_equal(v.respond_by_ms, 0);
    v = WITH(BIT(MS_CAT_PERSONAL_INFO) | BIT(MS_CAT_ADVERTISING));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.primary, MS_CAT_ADVERTISING);
    assert_int_equal(v.action, MS_ACTION_REVIEW_FOR_REMOVAL);
    assert_int_equal(v.respond_by_ms, 0);

    /* removal: a repair report stays (2.26), even with a ground; a
     * complaint is the Specialist's call; nothing without a ground */
    v = WITH(BIT(MS_CAT_REPAIR) | BIT(MS_CAT_COMPLAINT) | BIT(MS_CAT_PROFANITY));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.primary, MS_CAT_REPAIR);
    assert_int_equal(v.removal, MS_REMOVAL_NEVER);
    assert_string_equal(v.removal_clause, "2.26");
    v = WITH(BIT(MS_CAT_COMPLAINT) | BIT(MS_CAT_PROFANITY));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.removal, MS_REMOVAL_REVIEW);
    assert_string_equal(v.removal_clause, "2.3");
    v = WITH(BIT(MS_CAT_REPAIR));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.removal, MS_REMOVAL_NONE);

    /* an individual case (2.26): told the route in the inbox within 48 h,
     * and kept like a repair report, swearing or not; in the inbox it is
     * answered there; on another's page it is case by case (2.29) */
    v = WITH(BIT(MS_CAT_INDIVIDUAL_CASE) | BIT(MS_CAT_PROFANITY));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.primary, MS_CAT_INDIVIDUAL_CASE);
    assert_int_equal(v.action, MS_ACTION_ASK_TO_INBOX);
    assert_int_equal(v.priority, MS_PRIORITY_HIGH);
    assert_int_equal(v.respond_by_ms, 1000 + MS_RESPONSE_DEADLINE_MS);
    assert_int_equal(v.removal, MS_REMOVAL_NEVER);
    assert_string_equal(v.removal_clause, "2.26");
    v = WITH(BIT(MS_CAT_INDIVIDUAL_CASE));
    ms_decide(NULL, &inbox, &v);
    assert_int_equal(v.action, MS_ACTION_REPLY_IN_INBOX);
    assert_int_equal(v.priority, MS_PRIORITY_NORMAL);
    v = WITH(BIT(MS_CAT_INDIVIDUAL_CASE) | BIT(MS_CAT_EXTERNAL));
    ms_decide(NULL, &pub, &v);
    assert_int_equal(v.action, MS_ACTION_REVIEW_CASE_BY_CASE);
    assert_int_equal(v.respond_by_ms, 0);

    /* no created_at: the deadline runs from when it was received */
    ms_mention undated = {.kind = MS_KIND_PUBLIC_COMMENT, .received_at_ms = 5000};
    v = WITH(BIT(MS_CAT_COMPLAINT));
    ms_decide(NULL, &undated, &v);
    assert_int_equal(v.respond_by_ms, 5000 + MS_RESPONSE_DEADLINE_MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide_actions_and_priority),
        cmocka_unit_test(test_decide_where_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
