/*
 * test_log.c - the structured log's line budget (core/log.h): a line that
 * can repeat once per event is let through at most N times a second, the
 * rest are counted and the count is handed to the next line let through;
 * and the line written with the budget's calling convention is valid JSON
 * with or without its "suppressed" field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"

static void test_budget_holds_back_and_counts(void **state)
{
    (void)state;
    ms_log_budget b = {0};
    char held[24];
    int64_t t = 1000000;
    int let = 0;
    for (int i = 0; i < 30; i++) {
        if (ms_log_budget_take(&b, t + i, 10, held)) {
            let++;
            assert_string_equal(held, ""); /* nothing held back before these */
        }
    }
    assert_int_equal(let, 10);
    assert_int_equal(b.suppressed, 20);

    /* still inside the same second: held back */
    assert_false(ms_log_budget_take(&b, t + 999, 10, held));
    /* the next second: let through, carrying the 21 held back */
    assert_true(ms_log_budget_take(&b, t + 1000, 10, held));
    assert_string_equal(held, "21");
    assert_true(ms_log_budget_take(&b, t + 1001, 10, held));
    assert_string_equal(held, "");
    assert_int_equal(b.suppressed, 0);
}

static void test_budget_survives_a_clock_going_back(void **state)
{
    (void)state;
    ms_log_budget b = {0};
    char held[24];
    for (int i = 0; i < 10; i++)
        assert_true(ms_log_budget_take(&b, 5000, 10, held));
    assert_false(ms_log_budget_take(&b, 5001, 10, held));
    /* a window that started "in the future" must not hold lines back forever */
    assert_true(ms_log_budget_take(&b, 100, 10, held));
    assert_string_equal(held, "1");
}

/** @brief What ms_log wrote to stderr while `fn` ran, into out. */
static void capture(void (*fn)(const char *), const char *arg, char *out, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
    fn(arg);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(fds[1]);
    ssize_t n = read(fds[0], out, cap - 1);
    close(fds[0]);
    assert_true(n > 0);
    out[n] = '\0';
}

static void log_with_held(const char *held)
{
    ms_log(MS_LOG_WARN, "worker-0", "event dead-lettered", "offset", "7",
           held[0] ? "suppressed" : NULL, held, NULL);
}

static void test_line_with_and_without_count(void **state)
{
    (void)state;
    char line[4096];
    capture(log_with_held, "", line, sizeof line);
    assert_non_null(strstr(line, "\"offset\":\"7\"}\n"));
    assert_null(strstr(line, "suppressed"));
    capture(log_with_held, "42", line, sizeof line);
    assert_non_null(strstr(line, "\"offset\":\"7\",\"suppressed\":\"42\"}\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_holds_back_and_counts),
        cmocka_unit_test(test_budget_survives_a_clock_going_back),
        cmocka_unit_test(test_line_with_and_without_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
