#!/usr/bin/env bash
# tests/cli/rules_explain.sh - `mentionsift rules explain` as a rule author
# runs it: a text that fires a rule names the rule, its file:line, what it
# matched (the original bytes, also when the words view had to rejoin them)
# and labels its category; a text below the threshold lists the rule and says
# the category is not labelled; bad usage exits 2 with a message.
# Usage: rules_explain.sh PATH/TO/mentionsift
. "$(dirname "$0")/testlib.bash" rules_explain "$@"

mkdir -p "$WORK/cache"
one_rule_set "$WORK/rules"
cat >> "$WORK/rules/house-rules.yaml" <<'YAML'
  - id: profanity.half
    category: profanity
    weight: 0.4
    patterns: ['grumblewort']
YAML
cat > "$WORK/rules/ruleset.yaml" <<'YAML'
name: cli-test
files: [house-rules.yaml]
YAML
export MENTIONSIFT_CACHE_DIR=$WORK/cache

"$BIN" rules explain -r "$WORK/rules" "what a f.l.u.m.p.g.r.i.z.z.l.e" >"$WORK/e1.out" 2>&1; r1=$?
line=$(grep -n "id: profanity.test" "$WORK/rules/house-rules.yaml" | cut -d: -f1)
if [ $r1 = 0 ] &&
   grep -q '^words view " what a flumpgrizzle "$' "$WORK/e1.out" &&
   grep -Eq "^  profanity\.test +profanity +\+1\.00  $WORK/rules/house-rules.yaml:$line  \"f\.l\.u\.m\.p\.g\.r\.i\.z\.z\.l\.e\" at 7-30$" "$WORK/e1.out" &&
   grep -Eq '^  profanity +rules  1\.00  threshold  1\.00  LABELLED' "$WORK/e1.out" &&
   grep -q '^decision   primary profanity' "$WORK/e1.out"; then
  ok "a rule that fires: its id, file:line, the original bytes it matched, the label and the decision"
else bad "explain of a matching text: exit $r1: $(cat "$WORK/e1.out")"; fi

"$BIN" rules explain -r "$WORK/rules" "a grumblewort of a day" >"$WORK/e2.out" 2>&1; r2=$?
if [ $r2 = 0 ] && grep -Eq '^  profanity\.half +profanity +\+0\.40 ' "$WORK/e2.out" &&
   grep -Eq '^  profanity +rules  0\.40  threshold  1\.00  not labelled' "$WORK/e2.out" &&
   ! grep -q 'profanity.test' "$WORK/e2.out"; then
  ok "a rule below its category's threshold is listed, and the category is not labelled"
else bad "explain of a text below the threshold: exit $r2: $(cat "$WORK/e2.out")"; fi

"$BIN" rules explain -r "$WORK/rules" "a lovely day" "another flumpgrizzle" >"$WORK/e3.out" 2>&1; r3=$?
if [ $r3 = 0 ] && [ "$(grep -c '^text ' "$WORK/e3.out")" = 2 ] && grep -q '^  (none)$' "$WORK/e3.out"; then
  ok "two texts are explained one after the other; a text that fires nothing says so"
else bad "explain of two texts: exit $r3: $(cat "$WORK/e3.out")"; fi

"$BIN" rules explain -r "$WORK/rules" >"$WORK/e4.out" 2>&1; r4=$?
"$BIN" rules explain -r "$WORK/rules" -k sideways "x" >"$WORK/e5.out" 2>&1; r5=$?
if [ $r4 = 2 ] && grep -q 'no TEXT given' "$WORK/e4.out" && [ $r5 = 2 ] &&
   grep -q "not 'sideways'" "$WORK/e5.out"; then
  ok "no text, or an unknown --kind: exit 2 with the reason"
else bad "bad usage: exits $r4 and $r5: $(cat "$WORK/e4.out" "$WORK/e5.out")"; fi

"$BIN" rules explain -r "$WORK/nowhere" "x" >"$WORK/e6.out" 2>&1; r6=$?
if [ $r6 = 2 ] && grep -q "rule set '$WORK/nowhere' failed to load" "$WORK/e6.out"; then
  ok "a rule set that does not load: exit 2, naming it"
else bad "missing rule set: exit $r6: $(cat "$WORK/e6.out")"; fi

echo "rules explain CLI: $fails failure(s)"
[ $fails = 0 ]
