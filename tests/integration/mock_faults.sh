#!/usr/bin/env bash
# mock_faults.sh - the client's error paths under injected faults, for
# at_least_once, on librdkafka's mock cluster.
#
# `mentionsift mock-cluster --faults S` pushes retriable request errors on
# Produce, Fetch, OffsetCommit, Heartbeat and FindCoordinator, takes a broker
# down and up and adds round-trip time, while the firehose streams events
# with unique ids through the service. Every id must come out on its primary
# topic (lost 0); duplicates are allowed and reported. (Exactly once is shown
# on real Kafka in exactly_once.sh: the mock writes no transaction markers.)
#
# Status: NOT in tests/run.sh yet. In 2 of 7 runs one event of 5,000 went
# missing: once it never reached the input topic (so the loss is upstream of
# the service: the mock or the producer under injected Produce errors and a
# broker going down), once it was in the input topic and not downstream,
# with injected Fetch errors. On failure the script names each missing id
# and whether the input topic holds it, and keeps the logs.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${MS_BIN:-build/mentionsift}
N=${MS_EVENTS:-5000}
WORK=$(mktemp -d /tmp/ms-mockf-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 0.5; for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done; [ "${fail:-1}" = 0 ] && rm -rf "$WORK" || echo "logs kept in $WORK"' EXIT

"$BIN" mock-cluster 3 --faults 30 >"$WORK/boot" 2>"$WORK/mock.err" & pids+=($!)
for _ in $(seq 50); do [ -s "$WORK/boot" ] && break; sleep 0.1; done
BOOT=$(head -1 "$WORK/boot")
[ -n "$BOOT" ] || { echo "FAIL: mock cluster did not start"; exit 1; }
cat >"$WORK/c.yaml" <<EOF2
kafka:
  bootstrap.servers: "$BOOT"
  group.id: mockfaults
input:
  topics: [mf.in]
output:
  encoding: json
  topics:
$(for c in profanity hate religion_politics colleague sexual_graphic malicious_link detrimental advertising misinformation personal_info complaint repair consent_withdrawal question positive negative external vip other; do echo "    $c: mf.out"; done)
    moderation: mf.mod
    urgent: mf.urg
    deadletter: mf.dlq
workers: 2
http:
  listen: "off"
log:
  level: warn
EOF2
"$BIN" run --config "$WORK/c.yaml" 2>"$WORK/service.log" & svc=$!; pids+=($svc)
"$BIN" firehose -b "$BOOT" -t mf.in -n "$N" -s 21 -l 150 -r 250 >/dev/null 2>"$WORK/fh.log" ||
  echo "note: firehose: $(tail -1 "$WORK/fh.log")"
until=$((SECONDS + 120)) seen=0
while [ $SECONDS -lt $until ]; do
  kill -0 "$svc" 2>/dev/null || { echo "FAIL: the service died"; tail -5 "$WORK/service.log"; exit 1; }
  timeout 30 kcat -C -b "$BOOT" -t mf.out -o beginning -e -q -f '%h\n' 2>/dev/null |
    grep -o 'mentionsift-event-id=[^,]*' | sort | uniq -c >"$WORK/counts"
  seen=$(wc -l <"$WORK/counts")
  [ "$seen" -ge "$N" ] && break
  sleep 2
done
kill -TERM "$svc"; wait "$svc"; rc=$?
dup=$(awk '$1 > 1 { d += $1 - 1 } END { print d + 0 }' "$WORK/counts")
sent=$(grep -o '[0-9]* sent' "$WORK/fh.log" | tail -1 | grep -o '[0-9]*')
faults=$(grep -o 'faults injected.*' "$WORK/mock.err" | tail -1)
echo "at_least_once on the mock: events ${sent:-?}, ${faults:-faults: none reported}; lost $((N - seen)), duplicated $dup"
fail=0
if [ "$seen" -lt "$N" ]; then
  echo "FAIL: lost $((N - seen)) events"
  fail=1
  # is a missing id in the input topic at all? (loss before or inside the service)
  timeout 30 kcat -C -b "$BOOT" -t mf.in -o beginning -e -q -f '%p %o %s\n' 2>/dev/null >"$WORK/input"
  for i in $(seq 1 "$N"); do
    grep -q "mentionsift-event-id=m-21-$i\$" "$WORK/counts" && continue
    echo "  missing m-21-$i; in the input topic: $(grep -c "\"m-21-$i\"" "$WORK/input") time(s) $(grep "\"m-21-$i\"" "$WORK/input" | cut -d' ' -f1,2)"
  done
fi
[ -n "$faults" ] || { echo "FAIL: the mock reported no injected faults"; fail=1; }
[ "$rc" = 0 ] || { echo "FAIL: service exit status $rc after SIGTERM"; fail=1; }
[ $fail = 0 ] && echo "PASS: at_least_once lost nothing under injected client faults"
exit $fail
