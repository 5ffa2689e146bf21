#!/usr/bin/env bash
# tests/cli/demo.sh - `mentionsift demo` as a newcomer runs it: the embedded
# Kafka cluster, the real service, a replayed file and the summary read back
# from the output topics. On a file of its own (four mentions, one of them
# breaking the test rule, and one line that is not JSON) it must: wait for
# the service's /readyz before replaying (replaying earlier lets a worker
# that joins late take partitions whose offsets are not committed yet, and
# their events came out twice), count each event once (in = classified), put
# the bad line on the dead-letter topic and the rule's hit on the moderation
# queue, and exit 0. The smallest rule set keeps it fast under the sanitizers.
# Usage: demo.sh PATH/TO/mentionsift
. "$(dirname "$0")/testlib.bash" demo "$@"

one_rule_set "$WORK/rules"
echo 'files: [house-rules.yaml]' > "$WORK/rules/ruleset.yaml"
cat > "$WORK/in.jsonl" <<'JSON'
{"id":"d1","platform":"facebook","kind":"public_comment","author":{"id":"a1","handle":"ann"},"text":"what a flumpgrizzle you are","created_at":1764000000000}
{"id":"d2","platform":"facebook","kind":"reply","author":{"id":"a2","handle":"bo"},"text":"thanks for sorting the fence","created_at":1764000000000}
{"id":"d3","platform":"x","kind":"inbox_message","author":{"id":"a3","handle":"cy"},"text":"when is the bin day?","created_at":1764000000000}
this line is not JSON
{"id":"d4","platform":"instagram","kind":"public_comment","author":{"id":"a4","handle":"di"},"text":"lovely garden at the scheme","created_at":1764000000000}
JSON

MENTIONSIFT_RULES="$WORK/rules" timeout 240 "$BIN" demo --file "$WORK/in.jsonl" --workers 2 \
  >"$WORK/out" 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && ok "exit 0" || bad "exit $rc: $(tail -n 5 "$WORK/err")"

ready=$(grep -n -m1 '^service ready after' "$WORK/out" | cut -d: -f1)
replayed=$(grep -n -m1 '^replayed ' "$WORK/out" | cut -d: -f1)
if [ -n "$ready" ] && [ -n "$replayed" ] && [ "$ready" -lt "$replayed" ]; then
  ok "the replay waited for /readyz (line $ready before line $replayed)"
else
  bad "no 'service ready' line before the replay: $(head -n 8 "$WORK/out")"
fi

last=$(sed -n 's/.*in \([0-9]*\)  classified \([0-9]*\) .*/\1 \2/p' "$WORK/out" | tail -n 1)
[ "$last" = "5 5" ] && ok "in 5, classified 5 (each event once)" ||
  bad "in/classified: '${last:-none}', want '5 5'"

topic_count() { sed -n "s/^  $1 *\([0-9]*\).*/\1/p" "$WORK/out" | head -n 1; }
dl=$(topic_count 'whg\.deadletter')
[ "$dl" = 1 ] && ok "the line that is not JSON is on whg.deadletter" ||
  bad "whg.deadletter: '${dl:-none}', want 1"
mod=$(topic_count 'whg\.classified\.moderation')
[ "$mod" = 1 ] && ok "the rule's hit is on the moderation queue" ||
  bad "whg.classified.moderation: '${mod:-none}', want 1"
grep -q 'rules=profanity.test' "$WORK/out" && ok "an example decision names its rule" ||
  bad "no example decision with rules=profanity.test"

[ $fails -eq 0 ] || { echo "--- stdout"; cat "$WORK/out"; echo "--- stderr"; tail -n 20 "$WORK/err"; }
exit $((fails > 0))
