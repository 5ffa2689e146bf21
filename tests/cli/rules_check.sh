#!/usr/bin/env bash
# tests/cli/rules_check.sh - `mentionsift rules check` as a rule author runs
# it: a good rule set passes and its compiled databases are written to the
# cache (so the service started next does not compile them again), a second
# check compiles again instead of trusting the cache, and a broken rule is
# reported as file:line with exit 2. Usage: rules_check.sh PATH/TO/mentionsift
. "$(dirname "$0")/testlib.bash" rules_check "$@"

mkdir -p "$WORK/cache"
one_rule_set "$WORK/rules"
cat > "$WORK/rules/ruleset.yaml" <<'YAML'
name: cli-test
files: [house-rules.yaml]
YAML
export MENTIONSIFT_CACHE_DIR=$WORK/cache

"$BIN" rules check "$WORK/rules" >"$WORK/c1.out" 2>&1; r1=$?
n1=$(find "$WORK/cache" -type f | wc -l)
stamp1=$(find "$WORK/cache" -type f -printf '%T@ %p\n' | sort -k2)
if [ $r1 = 0 ] && grep -q ': OK$' "$WORK/c1.out" && [ "$n1" -gt 0 ]; then
  ok "a good rule set: OK, and its databases written to the cache ($n1 files)"
else bad "first check: exit $r1, $n1 cache files: $(cat "$WORK/c1.out")"; fi

sleep 1
"$BIN" rules check "$WORK/rules" >"$WORK/c2.out" 2>&1; r2=$?
stamp2=$(find "$WORK/cache" -type f -printf '%T@ %p\n' | sort -k2)
if [ $r2 = 0 ] && [ -n "$stamp1" ] && [ "$stamp1" != "$stamp2" ]; then
  ok "a second check compiles again (the cache files are rewritten, not read)"
else bad "second check: exit $r2; cache before: $stamp1; after: $stamp2"; fi

# of two regexes only the one whose matches vary in width is rescanned
cat >> "$WORK/rules/house-rules.yaml" <<'YAML'
  - id: profanity.open_width
    category: profanity
    patterns: ['grizz+le']
  - id: profanity.one_width
    category: profanity
    patterns: ['grizz[a-z]e']
YAML
"$BIN" rules check "$WORK/rules" >"$WORK/c4.out" 2>&1; r4=$?
if [ $r4 = 0 ] && grep -q '^  rescanned  *1 regex, ' "$WORK/c4.out"; then
  ok "the regexes rescanned when they hit are counted (1 of 2)"
else bad "rescanned count: exit $r4: $(cat "$WORK/c4.out")"; fi

printf '  - id: broken.rule\n    category: profanity\n    patterns: ["unclosed (group"]\n' \
  >> "$WORK/rules/house-rules.yaml"
"$BIN" rules check "$WORK/rules" >"$WORK/c3.out" 2>&1; r3=$?
if [ $r3 = 2 ] && grep -q 'house-rules.yaml:[0-9]*: .*unclosed (group' "$WORK/c3.out" &&
   grep -q 'FAILED' "$WORK/c3.out"; then
  ok "a broken pattern: exit 2, file:line and the pattern named"
else bad "broken rule: exit $r3: $(cat "$WORK/c3.out")"; fi

echo "rules check CLI: $fails failure(s)"
[ $fails = 0 ]
