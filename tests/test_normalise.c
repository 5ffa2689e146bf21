/*
 * test_normalise.c - the words view: evasion is undone, innocent words are
 * left alone, and every view byte maps back to the right original bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "normalise/normalise.h"

static ms_normaliser *norm;

static int setup(void **state)
{
    norm = ms_normaliser_new();
    return norm ? 0 : -1;
}

static int teardown(void **state)
{
    ms_normaliser_free(norm);
    return 0;
}

/* The view as a C string, for comparisons. */
static const char *view_of(const char *text, ms_normalised *v)
{
    static char buf[4096];
    assert_true(ms_normalise(norm, text, strlen(text), v));
    assert_true(v->len < sizeof buf);
    memcpy(buf, v->view, v->len);
    buf[v->len] = '\0';
    return buf;
}

static void expect_view(const char *text, const char *want)
{
    ms_normalised v;
    const char *got = view_of(text, &v);
    if (strcmp(got, want) != 0)
        fail_msg("normalise(\"%s\") = \"%s\", want \"%s\"", text, got, want);
}

static void test_basic_folding(void **state)
{
    expect_view("Hello, World!", " hello world ");
    expect_view("", " ");
    expect_view("  ...  ", " ");
    expect_view("don't", " dont ");
    expect_view("It\xE2\x80\x99s fine", " its fine "); /* curly apostrophe */
    expect_view("Caf\xC3\xA9 na\xC3\xAFve", " cafe naive ");
    expect_view("\xEF\xBD\x86\xEF\xBD\x95\xEF\xBD\x83\xEF\xBD\x8B", " fuck "); /* fullwidth */
}

/* "'s" after a noun or name is a possessive or "is": dropped, so the word
 * matches as itself; after a pronoun and the like it stays joined, as the
 * rules read it ("thats"). Both paths (the fast ASCII one and the general
 * one, taken here for the accented letter and the curly apostrophe) agree. */
static void test_apostrophe_s(void **state)
{
    expect_view("the toilet's blocked", " the toilet blocked ");
    expect_view("TOILET'S BLOCKED!!", " toilet blocked ");
    expect_view("t\xC3\xB6ilet's blocked", " toilet blocked ");
    expect_view("Karen Oakley\xE2\x80\x99s husband", " karen oakley husband ");
    expect_view("Gary Tonks's wife", " gary tonks wife ");
    expect_view("it's that's what's let's there's", " its thats whats lets theres ");
    expect_view("It\xE2\x80\x99s what\xE2\x80\x99s", " its whats ");
    expect_view("a's b's", " as bs ");       /* one letter: not a word to drop from */
    expect_view("toilet'sx toilet's", " toiletsx toilet ");
    expect_view("the heating's", " the heating ");
    /* where the word goes on after the s, it is read whole first */
    expect_view("Itz's's now", " itzs now ");
    expect_view("toilet's' blocked", " toilet blocked ");
    expect_view("toilet''s blocked", " toilets blocked "); /* not one apostrophe */
    expect_view("TT's\xC3\xA9 x", " ttse x ");
    /* the case of the word without its s, on both paths */
    ms_normalised cv;
    view_of("TOILET's", &cv);
    assert_true(cv.tok_flags[0] & MS_TOK_ALLCAPS);
    view_of("\xC3\xA9 TOILET's", &cv);
    assert_true(cv.tok_flags[1] & MS_TOK_ALLCAPS);
    view_of("\xC3\xA9 Toilet'S", &cv);
    assert_false(cv.tok_flags[1] & MS_TOK_ALLCAPS);
    ms_normalised v;
    const char *got = view_of("the toilet's blocked", &v);
    const char *w = strstr(got, "toilet");
    uint32_t at = (uint32_t)(w - got);
    assert_int_equal(v.src_start[at], 4);
    assert_int_equal(v.src_end[at + 5], 10); /* the word, not its "'s" */
    w = strstr(got, "blocked");
    assert_int_equal(v.src_start[w - got], 13);
}

static void test_leetspeak(void **state)
{
    expect_view("sh1t", " shit ");
    expect_view("$hit", " shit ");
    expect_view("@ss", " ass ");
    expect_view("b!tch", " bitch ");
    expect_view("f*ck", " f*ck ");
    /* numbers with units and plain numbers are not leetspeak */
    expect_view("at 10am on the 2nd", " at 10am on the 2nd ");
    expect_view("call 0121 496 0000", " call 0121 496 0000 ");
    expect_view("covid19", " covid19 ");
    expect_view("great!", " great ");
    /* one symbol between every two letters separates them */
    expect_view("d|i|c|k|h|e|a|d", " dickhead ");
    expect_view("s*h*i*t service", " shit service ");
    expect_view("f!u!c!k", " fuck ");
    expect_view("b|tch", " bitch ");          /* a symbol inside a word is still a letter */
    expect_view("f*ck", " f*ck ");
    expect_view("s*h|i*t", " s*hii*t ");      /* mixed symbols: not a spaced-out word */
}

static void test_repeats_and_spacing(void **state)
{
    expect_view("fuuuuuck", " fuck ");
    expect_view("good", " good ");   /* doubles are kept */
    expect_view("f u c k off", " fuck off ");
    expect_view("f.u.c.k", " fuck ");
    expect_view("f - u - c - k", " fuck ");   /* gaps of up to three bytes */
    /* the same emoji between letters, twice or more, separates them (U+1F4A9, U+1F600) */
    expect_view("s\xF0\x9F\x92\xA9h\xF0\x9F\x92\xA9i\xF0\x9F\x92\xA9t landlord", " shit landlord ");
    expect_view("a \xF0\x9F\x98\x80 b", " a \xF0\x9F\x98\x80 b ");            /* once: a symbol */
    expect_view("I \xF0\x9F\x98\x80 love \xF0\x9F\x98\x80 it",
                " i \xF0\x9F\x98\x80 love \xF0\x9F\x98\x80 it ");               /* between words */
    ms_normalised sv;
    const char *st = "s\xF0\x9F\x92\xA9h\xF0\x9F\x92\xA9i\xF0\x9F\x92\xA9t!";
    view_of(st, &sv);
    assert_int_equal(sv.n_tok, 1);
    assert_int_equal(sv.src_start[1], 0);    /* "shit" spans the letters and the emoji between */
    assert_int_equal(sv.src_end[4], 16);
    expect_view("f  -  u  -  c", " f u c ");  /* wider ones separate */
    expect_view("a b", " a b ");     /* two letters are not a spelled word */
    expect_view("fu\xE2\x80\x8B" "ck", " fuck "); /* zero-width space */
}

/* A dictionary for the spelled-out tests: whole words, and "fuck" as a
 * prefix entry ("fuck*"), as a rule set's lists give them. */
static bool test_known(const void *ctx, const char *w, size_t n)
{
    (void)ctx;
    static const char *const words[] = {"asshole", "hate", "cunt", "idiot", "fucker", NULL};
    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
            return true;
    return n >= 4 && memcmp(w, "fuck", 4) == 0;
}

/* A one-letter word beside a spelled-out word stays a word of its own when
 * the dictionary knows the rest, and only then; spans stay exact. */
static void test_spelled_word_beside_one_letter_word(void **state)
{
    (void)state;
    expect_view("what a f u c k i n g joke", " what afucking joke "); /* no dictionary */
    ms_normaliser_set_dictionary(norm, test_known, NULL);
    expect_view("what a f u c k i n g joke", " what a fucking joke ");
    expect_view("what a f.u.c.k.i.n.g joke", " what a fucking joke ");
    expect_view("i h a t e you", " i hate you ");
    expect_view("u r a c u n t", " u r a cunt ");         /* three words peeled */
    expect_view("i d i o t u", " idiot u ");               /* one after */
    expect_view("f u c k e r u", " fuckeru ");             /* a prefix entry ("fuck*") knows it whole */
    expect_view("a s s h o l e", " asshole ");             /* the whole run is the word */
    expect_view("i d i o t", " idiot ");
    expect_view("a b o u t", " about ");                   /* nothing known: joined as before */
    expect_view("a h a t e", " a hate ");
    expect_view("u a b c", " uabc ");                      /* peeling would leave too few */
    expect_view("u r a tw4t", " u r a twat ");             /* words of one letter, nothing spelled */
    expect_view("i r u", " i r u ");

    ms_normalised v;
    const char *text = "what a f u c k i n g joke";
    const char *got = view_of(text, &v);
    const char *a = strstr(got, " a ") + 1, *f = strstr(got, "fucking");
    uint32_t ai = (uint32_t)(a - got), fi = (uint32_t)(f - got);
    assert_int_equal(v.src_start[ai], 5);                  /* the "a" is the text's "a" */
    assert_int_equal(v.src_end[ai], 6);
    assert_int_equal(v.src_start[fi], 7);                  /* "fucking" spans "f u c k i n g" */
    assert_int_equal(v.src_end[fi + 6], 20);
    assert_int_equal(v.n_tok, 4);
    assert_int_equal(v.tok_start[1], ai);
    assert_int_equal(v.tok_start[2], fi);
    ms_normaliser_set_dictionary(norm, NULL, NULL);
}

static void test_confusables(void **state)
{
    /* Cyrillic a and o inside Latin text */
    expect_view("b\xD0\xB0stard", " bastard ");
    expect_view("m\xD0\xBEron", " moron ");
    /* "small caps" text: U+A730 U+1D1C U+1D04 U+1D0B */
    expect_view("\xEA\x9C\xB0\xE1\xB4\x9C\xE1\xB4\x84\xE1\xB4\x8B off", " fuck off ");
    /* negative squared and negative circled capitals: U+1F175 U+1F184 U+1F172 U+1F17A, U+1F155 */
    expect_view("\xF0\x9F\x85\xB5\xF0\x9F\x86\x84\xF0\x9F\x85\xB2\xF0\x9F\x85\xBA", " fuck ");
    expect_view("\xF0\x9F\x85\x95un", " fun ");
    /* dotless i, f with hook, Armenian u */
    expect_view("sh\xC4\xB1t \xC6\x92\xD5\xBD" "ck", " shit fuck ");
    /* regional indicators stay symbols: in pairs they are flags (U+1F1EC U+1F1E7) */
    expect_view("\xF0\x9F\x87\xAC\xF0\x9F\x87\xA7", " \xF0\x9F\x87\xAC \xF0\x9F\x87\xA7 ");
}

static void test_emoji_tokens(void **state)
{
    ms_normalised v;
    const char *got = view_of("love it\xF0\x9F\x98\x82!", &v);
    assert_string_equal(got, " love it \xF0\x9F\x98\x82 ");
    assert_int_equal(v.n_tok, 3);
    assert_true(v.tok_flags[2] & MS_TOK_EMOJI);
    assert_int_equal(v.n_exclaim, 1);
}

static void test_invalid_utf8_separates(void **state)
{
    /* an invalid byte never glues words together or hides them */
    expect_view("shit\xFF\xFE" "fuck", " shit fuck ");
    expect_view("\xC3", " ");
    expect_view("ok\xE2\x82", " ok ");
}

static void test_offsets_map_back(void **state)
{
    const char *text = "You absolute W@NKER!!";
    ms_normalised v;
    const char *got = view_of(text, &v);
    assert_string_equal(got, " you absolute wanker ");
    const char *w = strstr(got, "wanker");
    uint32_t s = (uint32_t)(w - got), e = s + 6;
    assert_int_equal(v.src_start[s], 13);
    assert_int_equal(v.src_end[e - 1], 19);
    assert_true(v.tok_flags[2] & MS_TOK_ALLCAPS);
    assert_int_equal(v.n_allcaps, 1);

    text = "so fuuuuck this";
    got = view_of(text, &v);
    w = strstr(got, "fuck");
    s = (uint32_t)(w - got);
    assert_int_equal(v.src_start[s], 3);
    assert_int_equal(v.src_end[s + 3], 10); /* covers the whole "fuuuuck" */

    text = "f u c k";
    got = view_of(text, &v);
    assert_int_equal(v.src_start[1], 0);
    assert_int_equal(v.src_end[4], 7);
    assert_int_equal(v.n_tok, 1);
}

static void test_token_index(void **state)
{
    ms_normalised v;
    view_of("one two three", &v);
    assert_int_equal(v.n_tok, 3);
    assert_int_equal(ms_normalised_token_at(&v, 1), 0);
    assert_int_equal(ms_normalised_token_at(&v, 5), 1);
    assert_int_equal(ms_normalised_token_at(&v, 11), 2);
}

/* Texts the ASCII fast path takes, and texts that make it hand over to the
 * general path mid-way: both must give the views the rules expect. */
static void test_fast_path_handover(void **state)
{
    expect_view("Great service, thanks!", " great service thanks ");
    expect_view("Great! Thanks", " great thanks ");
    expect_view("WHY is it STILL broken??", " why is it still broken ");
    expect_view("plain words then sh!t", " plain words then shit ");
    expect_view("plain words then ws10 and 10am", " plain words then ws10 and 10am ");
    expect_view("plain words then fuuuck", " plain words then fuck ");
    expect_view("plain words then a b c", " plain words then abc ");
    expect_view("plain words then caf\xC3\xA9", " plain words then cafe ");
    ms_normalised v;
    view_of("say it loud!", &v);
    assert_int_equal(v.n_exclaim, 1);
    assert_int_equal(v.src_end[v.len - 2], 11);
}

/* After a non-ASCII character the general path hands back to the fast path
 * at the next word: counts, offsets and spelled-out words carry across. */
static void test_fast_path_resumes(void **state)
{
    ms_normalised v;
    const char *got = view_of("\xF0\x9F\x98\x80 great service, thanks!! really", &v);
    assert_string_equal(got, " \xF0\x9F\x98\x80 great service thanks really ");
    assert_int_equal(v.n_tok, 5);
    assert_int_equal(v.n_exclaim, 2);
    assert_int_equal(v.src_start[v.len - 7], 29); /* "really" */
    assert_int_equal(v.src_end[v.len - 2], 35);
    got = view_of("caf\xC3\xA9 then WHY is it STILL broken?? fuuuck", &v);
    assert_string_equal(got, " cafe then why is it still broken fuck ");
    assert_int_equal(v.n_allcaps, 2);
    assert_int_equal(v.n_question, 2);
    assert_int_equal(v.src_end[v.len - 2], 42);
    expect_view("\xF0\x9F\x91\x8D a b c d", " \xF0\x9F\x91\x8D abcd ");
    expect_view("a \xC3\xA9 b c", " aebc ");
    expect_view("nice \xF0\x9F\x98\x80 sh!t and h3ll0 don't stop 10am",
                " nice \xF0\x9F\x98\x80 shit and hello dont stop 10am ");
    expect_view("\xCE\xB1 x\xF0\x9F\x98\x80y Hello World", " a x \xF0\x9F\x98\x80 y hello world ");
}

static void test_large_text(void **state)
{
    size_t n = 1u << 20;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'a', n);
    ms_normalised v;
    assert_true(ms_normalise(norm, big, n, &v));
    assert_memory_equal(v.view, " a ", 3);
    assert_int_equal(v.len, 3);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(0x80 + (i % 64)); /* continuation bytes only */
    assert_true(ms_normalise(norm, big, n, &v));
    assert_int_equal(v.n_tok, 0);
    /* half a million one-letter words: each a token of its own, the run read once (an earlier
     * version searched it again from every letter, for minutes) */
    for (size_t i = 0; i < n; i++)
        big[i] = (i % 2) ? ' ' : 'u';
    ms_normaliser_set_dictionary(norm, test_known, NULL);
    assert_true(ms_normalise(norm, big, n, &v));
    assert_int_equal(v.n_tok, n / 2);
    assert_int_equal(v.len, n + 1);
    ms_normaliser_set_dictionary(norm, NULL, NULL);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_folding),   cmocka_unit_test(test_apostrophe_s),
        cmocka_unit_test(test_leetspeak),
        cmocka_unit_test(test_repeats_and_spacing), cmocka_unit_test(test_confusables),
        cmocka_unit_test(test_spelled_word_beside_one_letter_word),
        cmocka_unit_test(test_emoji_tokens),    cmocka_unit_test(test_invalid_utf8_separates),
        cmocka_unit_test(test_offsets_map_back), cmocka_unit_test(test_token_index),
        cmocka_unit_test(test_fast_path_handover), cmocka_unit_test(test_fast_path_resumes),
        cmocka_unit_test(test_large_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
