/*
 * fuzz_normalise.c - libFuzzer target for the normaliser
 * (src/normalise/normalise.c, ms_normalise), which turns every mention's
 * text - arbitrary bytes from outside - into the words view.
 *
 * Input: arbitrary bytes as mention text (UTF-8 expected, anything allowed).
 * Checks, abort()ing on violation:
 *   - no memory error or undefined behaviour (ASan/UBSan); ms_normalise
 *     returns true (it fails only on ENOMEM);
 *   - the view is " tok tok ... tok ": it starts and ends with ' ', holds no
 *     two consecutive spaces, and tok_start[] lists exactly the tokens, each
 *     starting right after a space (normalise.h);
 *   - the view is valid UTF-8 with no upper-case ASCII letters and no ASCII
 *     control or whitespace bytes besides ' ' (invalid input bytes become
 *     separators, letters are lower-cased);
 *   - the byte map: src_start[i] <= src_end[i] <= input length for every view
 *     byte, and both are non-decreasing over the token (non-space) bytes, so
 *     every view range [s, e) that starts and ends inside tokens maps to a
 *     well-formed original range [src_start[s], src_end[e-1]). Separator
 *     spaces are exempt: one code point can decompose into several tokens
 *     ("½" -> "1 ⁄ 2"), and the spaces between them point at its first or
 *     last byte;
 *   - ms_normalised_token_at() finds each token from its first and last byte;
 *   - counters are bounded (n_exclaim, n_question <= input length);
 *   - the result does not depend on what the normaliser saw before: a
 *     long-lived normaliser (grown by earlier inputs) and a fresh one give
 *     identical output.
 */
#include "fuzz_common.h"

#include "normalise/normalise.h"

/** @brief Check the structural invariants of one normalised view of text[0..size). */
static void fuzz_check_view(const ms_normalised *v, size_t size)
{
    FUZZ_CHECK(v->len >= 1, "empty view (expected at least \" \")");
    FUZZ_CHECK(v->view[0] == ' ', "view does not start with a space");
    FUZZ_CHECK(v->view[v->len - 1] == ' ', "view does not end with a space");
    FUZZ_CHECK(fuzz_utf8_valid(v->view, v->len), "view is not valid UTF-8");

    uint32_t tok = 0;
    uint32_t last = UINT32_MAX; /* the previous non-space view byte */
    for (uint32_t i = 0; i < v->len; i++) {
        unsigned char c = (unsigned char)v->view[i];
        FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "upper-case '%c' at view byte %u", c, i);
        FUZZ_CHECK(c == ' ' || (c > 0x20 && c != 0x7F), "control byte 0x%02x at view byte %u",
                   c, i);
        if (i > 0)
            FUZZ_CHECK(!(c == ' ' && v->view[i - 1] == ' '), "two spaces at view byte %u", i);
        FUZZ_CHECK(v->src_start[i] <= v->src_end[i], "src_start %u > src_end %u at view byte %u",
                   v->src_start[i], v->src_end[i], i);
        FUZZ_CHECK(v->src_end[i] <= size, "src_end %u beyond the input (%zu) at view byte %u",
                   v->src_end[i], size, i);
        if (c != ' ') {
            FUZZ_CHECK(last == UINT32_MAX || (v->src_start[last] <= v->src_start[i] &&
                                             v->src_end[last] <= v->src_end[i]),
                       "token bytes map backwards: view byte %u -> [%u, %u), byte %u -> "
                       "[%u, %u)",
                       last, v->src_start[last], v->src_end[last], i, v->src_start[i],
                       v->src_end[i]);
            last = i;
        }
        /* a token starts at every non-space byte that follows a space */
        if (c != ' ' && v->view[i - 1] == ' ') {
            FUZZ_CHECK(tok < v->n_tok, "token at view byte %u beyond n_tok %u", i, v->n_tok);
            FUZZ_CHECK(v->tok_start[tok] == i, "token %u starts at %u, tok_start says %u", tok,
                       i, v->tok_start[tok]);
            tok++;
        }
    }
    FUZZ_CHECK(tok == v->n_tok, "view has %u tokens, n_tok says %u", tok, v->n_tok);

    for (uint32_t k = 0; k < v->n_tok; k++) {
        uint32_t b = v->tok_start[k];
        uint32_t e = k + 1 < v->n_tok ? v->tok_start[k + 1] - 1 : v->len - 1; /* its space */
        FUZZ_CHECK(e > b, "token %u is empty", k);
        FUZZ_CHECK(v->view[e] == ' ', "token %u not followed by a space", k);
        FUZZ_CHECK(v->src_start[b] <= v->src_end[e - 1], "token %u maps to [%u, %u)", k,
                   v->src_start[b], v->src_end[e - 1]);
        FUZZ_CHECK(ms_normalised_token_at(v, b) == k, "token_at(first byte of %u) = %u", k,
                   ms_normalised_token_at(v, b));
        FUZZ_CHECK(ms_normalised_token_at(v, e - 1) == k, "token_at(last byte of %u) = %u", k,
                   ms_normalised_token_at(v, e - 1));
        FUZZ_CHECK((v->tok_flags[k] & ~(unsigned)(MS_TOK_ALLCAPS | MS_TOK_EMOJI)) == 0,
                   "token %u has unknown flags 0x%x", k, v->tok_flags[k]);
    }
    FUZZ_CHECK(v->n_exclaim <= size && v->n_question <= size,
               "n_exclaim %u / n_question %u exceed the input length %zu", v->n_exclaim,
               v->n_question, size);
}

/** @brief abort() unless two results are identical byte for byte. */
static void fuzz_check_same(const ms_normalised *a, const ms_normalised *b)
{
    FUZZ_CHECK(a->len == b->len && a->n_tok == b->n_tok,
               "reused and fresh normaliser differ: len %u/%u, n_tok %u/%u", a->len, b->len,
               a->n_tok, b->n_tok);
    FUZZ_CHECK(memcmp(a->view, b->view, a->len) == 0, "reused and fresh views differ");
    FUZZ_CHECK(memcmp(a->src_start, b->src_start, a->len * sizeof *a->src_start) == 0 &&
                   memcmp(a->src_end, b->src_end, a->len * sizeof *a->src_end) == 0,
               "reused and fresh byte maps differ");
    FUZZ_CHECK(a->n_tok == 0 ||
                   (memcmp(a->tok_start, b->tok_start, a->n_tok * sizeof *a->tok_start) == 0 &&
                    memcmp(a->tok_flags, b->tok_flags, a->n_tok) == 0),
               "reused and fresh tokens differ");
    FUZZ_CHECK(a->n_allcaps == b->n_allcaps && a->n_letter_tokens == b->n_letter_tokens &&
                   a->n_exclaim == b->n_exclaim && a->n_question == b->n_question,
               "reused and fresh counters differ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ms_normaliser *reused;
    if (!reused && !(reused = ms_normaliser_new()))
        abort();
    const char *text = size ? (const char *)data : "";

    ms_normalised a;
    FUZZ_CHECK(ms_normalise(reused, text, size, &a), "ms_normalise failed (reused)");
    fuzz_check_view(&a, size);

    ms_normaliser *fresh = ms_normaliser_new();
    if (!fresh)
        abort();
    ms_normalised b;
    FUZZ_CHECK(ms_normalise(fresh, text, size, &b), "ms_normalise failed (fresh)");
    fuzz_check_same(&a, &b);
    ms_normaliser_free(fresh);
    return 0;
}
