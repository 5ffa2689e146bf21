#!/usr/bin/env bash
# tests/bench/engine_corpus.sh - `bench_engine --corpus FILE` as a rule author
# runs it on their own posts: it measures exactly the file's mentions (their
# count and the rule hits among them), and a line that does not decode stops
# it at once with file:line and exit 2, before any compile.
# Usage: engine_corpus.sh PATH/TO/bench_engine
. "$(dirname "$0")/../cli/testlib.bash" engine_corpus "$@"
BENCH=$BIN
one_rule_set "$WORK/rules"
printf 'name: bench-test\nfiles: [house-rules.yaml]\n' > "$WORK/rules/ruleset.yaml"
# two regexes that both hit p2: one of open width is rescanned for where its
# match starts, one whose matches all have one width is not
cat >> "$WORK/rules/house-rules.yaml" <<'YAML'
  - id: colleague.open_width
    category: colleague
    patterns: ['fun +day']
  - id: colleague.one_width
    category: colleague
    patterns: ['lovely da[a-z]']
YAML
cat > "$WORK/posts.jsonl" <<'EOF2'
{"id":"p1","kind":"public_comment","page_owned":true,"text":"what a flumpgrizzle you are"}

{"id":"p2","kind":"public_comment","page_owned":true,"text":"lovely day at the fun day"}
{"id":"p3","kind":"inbox_message","page_owned":true,"text":"FLUMPGRIZZLE again, and a flumpgrizzle"}
EOF2

"$BENCH" --rules "$WORK/rules" --corpus "$WORK/posts.jsonl" --rounds 1 --threads 1 \
  >"$WORK/good.out" 2>&1; r=$?
hits=$(awk '$1 == "profanity.test" { print $2; exit }' "$WORK/good.out")
if [ $r = 0 ] && grep -q '^corpus  *3 events, from ' "$WORK/good.out"; then
  ok "the file's 3 mentions measured (the blank line skipped)"
else bad "good corpus: exit $r: $(head -c 2000 "$WORK/good.out")"; fi
# per-rule hits are summed over the rounds that the header names (the warm-up
# counts too): p1 holds the word once, p3 twice, p2 not at all
rounds=$(sed -n 's/^per-rule hits and start-of-match rescans (1 thread, \([0-9]*\) rounds.*/\1/p' \
  "$WORK/good.out")
if [ -n "$hits" ] && [ -n "$rounds" ] && [ "$hits" = $((3 * rounds)) ]; then
  ok "rule hits come from the file's posts: 3 per round ($hits over $rounds rounds)"
else bad "per-rule hits for profanity.test: '$hits' over '$rounds' rounds"; fi
# hits, then rescans; and the header's rescans per event: 1 per round over 3
open_w=$(awk '$1 == "colleague.open_width" { print $2, $3; exit }' "$WORK/good.out")
one_w=$(awk '$1 == "colleague.one_width" { print $2, $3; exit }' "$WORK/good.out")
if [ -n "$rounds" ] && [ "$open_w" = "$rounds $rounds" ] && [ "$one_w" = "$rounds 0" ] &&
   grep -q "rescans per event 0.333)" "$WORK/good.out"; then
  ok "rescans: the open-width regex once per round, the one-width regex never"
else bad "rescans: open width '$open_w', one width '$one_w' over '$rounds' rounds: $(grep -A4 '^per-rule' "$WORK/good.out")"; fi

printf '{"id":"a","text":"fine"}\nnot json at all\n' > "$WORK/bad.jsonl"
start=$(date +%s)
"$BENCH" --rules "$WORK/rules" --corpus "$WORK/bad.jsonl" --rounds 1 --threads 1 \
  >"$WORK/bad.out" 2>&1; r=$?
if [ $r = 2 ] && grep -q "bad.jsonl:2: not a Mention" "$WORK/bad.out"; then
  ok "a bad line: exit 2 naming bad.jsonl:2 ($(( $(date +%s) - start )) s)"
else bad "bad corpus: exit $r: $(cat "$WORK/bad.out")"; fi

"$BENCH" --corpus "$WORK/missing.jsonl" --rounds 1 >"$WORK/missing.out" 2>&1; r=$?
if [ $r = 2 ] && grep -q "missing.jsonl" "$WORK/missing.out"; then
  ok "a missing file: exit 2 naming it"
else bad "missing corpus: exit $r: $(cat "$WORK/missing.out")"; fi

[ $fails = 0 ] && echo "engine_corpus: all passed" || echo "engine_corpus: $fails failed"
exit $((fails > 0))
