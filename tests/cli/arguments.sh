#!/usr/bin/env bash
# tests/cli/arguments.sh - numeric options are taken whole or refused: "12x",
# "abc", "-5" and out-of-range values stop the command with exit 2 and a line
# naming the command, the option and the text, before anything connects or
# produces. (strtoull/atoi would read "abc" as 0, and a firehose --count of 0
# runs until Ctrl-C.) No broker is needed: every case fails before one is used.
# Usage: arguments.sh PATH/TO/mentionsift (ctest passes it).
. "$(dirname "$0")/testlib.bash" arguments "$@"

# expect_refused "WHAT THE MESSAGE MUST SAY" ARGS...
expect_refused() {
  local want=$1
  shift
  timeout 20 "$BIN" "$@" >"$WORK/out" 2>"$WORK/err"
  local rc=$?
  if [ $rc = 2 ] && grep -qF -- "$want" "$WORK/err"; then
    ok "$* -> exit 2: $(head -1 "$WORK/err")"
  else
    bad "$*: exit $rc, stderr: $(head -3 "$WORK/err")"
  fi
}

B=127.0.0.1:1  # never reached: the option is refused first
expect_refused "firehose: --count must be a whole number (0 or more), not 'abc'" firehose -b $B -n abc
expect_refused "firehose: --count must be a whole number (0 or more), not '12x'" firehose -b $B --count 12x
expect_refused "firehose: --count must be a whole number (0 or more), not '-5'" firehose -b $B -n -5
expect_refused "firehose: --rate must be a number from 0 to 1e+09, not 'fast'" firehose -b $B -r fast
expect_refused "firehose: --rate must be a number from 0 to 1e+09, not 'nan'" firehose -b $B -r nan
expect_refused "firehose: --seed must be a whole number (0 or more), not '1e3'" firehose -b $B -s 1e3
expect_refused "firehose: --length must be a whole number from 0 to 65536, not '70000'" firehose -b $B -l 70000
expect_refused "tail: --count must be a whole number (0 or more), not 'ten'" tail -b $B -n ten whg.x
expect_refused "demo: --workers must be a whole number from 1 to 64, not '0'" demo -w 0
expect_refused "demo: --workers must be a whole number from 1 to 64, not 'two'" demo --workers two
expect_refused "mock-cluster: BROKERS must be a whole number from 1 to 9, not '12'" mock-cluster 12
expect_refused "mock-cluster: --faults must be a whole number from 0 to 86400, not 'x'" mock-cluster --faults x
expect_refused "mock-cluster: --faults needs SECONDS" mock-cluster 3 --faults

# a good value still works: the mock cluster starts with 1 broker and prints
# its bootstrap address, and stops on SIGTERM with exit 0
"$BIN" mock-cluster 1 >"$WORK/mc.out" 2>"$WORK/mc.err" &
pid=$!
for _ in $(seq 100); do [ -s "$WORK/mc.out" ] && break; sleep 0.1; done
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
if [ $rc = 0 ] && grep -qE '^127\.0\.0\.1:[0-9]+$' "$WORK/mc.out"; then
  ok "mock-cluster 1: bootstrap $(cat "$WORK/mc.out"), exit 0 on SIGTERM"
else bad "mock-cluster 1: exit $rc, stdout '$(cat "$WORK/mc.out")', stderr $(head -3 "$WORK/mc.err")"; fi

echo "arguments: $fails failure(s)"
[ $fails = 0 ]
