/*
 * test_strtab.c - src/core/strtab.c, the rule loader's string table: a key
 * is found with its value only as a whole (not a prefix or an extension of
 * it), values can be updated in place, every key survives the table's
 * growth, and a freed table is empty and usable again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/strtab.h"

static void test_find_whole_keys_only(void **state)
{
    (void)state;
    ms_strtab t = {0};
    assert_null(ms_strtab_find(&t, "fuck", 4)); /* an empty table */
    assert_true(ms_strtab_add(&t, "fuck", 1));
    assert_true(ms_strtab_add(&t, "hate", -2.5f));
    float *v = ms_strtab_find(&t, "fuck", 4);
    assert_non_null(v);
    assert_true(*v == 1);
    assert_true(*ms_strtab_find(&t, "hate", 4) == -2.5f);
    assert_null(ms_strtab_find(&t, "fuc", 3));        /* a prefix of a key */
    assert_null(ms_strtab_find(&t, "fucking", 7));    /* a key's extension */
    assert_non_null(ms_strtab_find(&t, "hateful", 4)); /* the length is what counts */
    *v = 0;
    assert_true(*ms_strtab_find(&t, "fuck", 4) == 0);  /* values change in place */
    assert_int_equal(t.n, 2);
    ms_strtab_free(&t);
    assert_null(ms_strtab_find(&t, "hate", 4));
    assert_true(ms_strtab_add(&t, "hate", 3));          /* usable again */
    assert_true(*ms_strtab_find(&t, "hate", 4) == 3);
    ms_strtab_free(&t);
}

static void test_keys_survive_growth(void **state)
{
    (void)state;
    enum { N = 5000 };
    static char keys[N][12];
    ms_strtab t = {0};
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "w%d", i);
        assert_true(ms_strtab_add(&t, keys[i], (float)i));
        assert_true(t.n * 2 <= t.cap); /* never more than half full */
    }
    for (int i = 0; i < N; i++) {
        const float *v = ms_strtab_find(&t, keys[i], strlen(keys[i]));
        if (!v || *v != (float)i)
            fail_msg("key %s lost or changed after growing to %u slots", keys[i], t.cap);
    }
    assert_null(ms_strtab_find(&t, "w5000", 5));
    ms_strtab_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_whole_keys_only),
        cmocka_unit_test(test_keys_survive_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
