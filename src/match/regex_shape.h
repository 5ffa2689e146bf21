/*
 * regex_shape.h - what the loader can tell from a rule's regular expression
 * as written, before Hyperscan compiles it, to make the scan cheaper:
 *   - which byte it cannot match without (a gate: a digit or an '@'), so it
 *     can live in a database scanned only over texts that have one;
 *   - a looser detector with its leading run trimmed, which Hyperscan
 *     triggers from later literals instead of running automata on every byte;
 *   - whether every match has one width, or starts at the text's first byte,
 *     so its span is known without a start-of-match rescan.
 *
 * A caller must respect:
 *   - the answers are about the syntax only and err on the safe side: a
 *     regex it cannot reason about (a top-level '|', \Q, an inline option
 *     other than (?:, more than 256 top-level items, a malformed class or
 *     escape) gets "no gate", "no detector", "not anchored";
 *   - a detector matches wherever the exact regex does (and may match
 *     elsewhere): the exact regex must still be what decides and what
 *     gives the spans;
 *   - every function is pure and thread-safe; ms_regex_fixed_width() asks
 *     Hyperscan (hs_expression_info) and so costs a partial compile.
 */
#ifndef MS_REGEX_SHAPE_H
#define MS_REGEX_SHAPE_H

#include <stdbool.h>
#include <stdint.h>

/* The bytes a gated raw database waits for. */
enum ms_gate {
    MS_GATE_DIGIT = 0,  /* '0'..'9' */
    MS_GATE_AT,         /* '@' */
    MS_GATES            /* also: no gate */
};

/** @brief The gate of raw regex `re`: MS_GATE_DIGIT when a top-level item that cannot be skipped
 *  is a digit, `\d` or a class of digits only; else MS_GATE_AT when one is an '@'; else
 *  MS_GATES. */
enum ms_gate ms_regex_gate_of(const char *re);

/** @brief `re` with its head trimmed (see regex_shape.c), malloc'd; NULL when there is nothing to
 *  trim, `re` cannot be reasoned about, or memory ran out: then use `re` itself. */
char *ms_regex_relaxed_detector(const char *re);

/** @brief Whether every match of `re` starts at the text's first byte: its first top-level item
 *  is an unrepeated '^' (block mode, no multi-line flag). */
bool ms_regex_anchored_at_start(const char *re);

/** @brief The width in bytes of every match of `re` compiled caseless, when all its matches have
 *  one; 0 when they do not, or it cannot tell (an unescaped '*', '+' or '?' answers 0 without
 *  asking Hyperscan; a regex Hyperscan refuses answers 0: its compile reports it). */
uint16_t ms_regex_fixed_width(const char *re);

#endif
