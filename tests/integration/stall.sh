#!/usr/bin/env bash
# stall.sh - outputs that keep failing while every worker is at its
# in-flight limit, on real Apache Kafka (one broker, tests/kafka/broker.sh,
# with topic auto-creation off, as in most production clusters).
#
# The service reads a backlog with processing.max_in_flight at 16, so each
# worker spends most of its time in the wait for acknowledgements at the
# limit. The topic that most outputs go to does not exist yet: each output
# to it fails after the producer's message.timeout.ms, the events it belongs
# to are held for reprocessing, and the wait at the limit is where those
# rewinds must be served. (A worker that only waited for acknowledgements
# there stalled for good once held events filled its limit: nothing could
# complete, and only a restart moved it.) An operator then creates the topic.
#
# Checks, every wait bounded:
#   1. outputs did fail (produce errors > 0, "output not delivered" logged)
#      and the service rewound to the first undelivered event ("reprocessing
#      from the first undelivered event" logged) - otherwise the test proved
#      nothing and fails;
#   2. the retries are paced: rewinds that meet the same failure again wait
#      longer each time (250 ms, doubling, at most 10 s; the partition is
#      paused meanwhile) - seen in the log as next_retry_after_ms reaching
#      1000 and as at least that long between that rewind and the next;
#   3. once the topic exists, without a restart, every input event comes out
#      on its primary topic: lost 0 (duplicates allowed: at least once);
#   4. the repeat-offenders stage (2.24) loses no record the broker refuses:
#      its output topic starts with max.message.bytes too small for any
#      record; an author's third violation is refused, the stage starts over
#      from its last commit (paced) and, once the limit is raised, the
#      record is written;
#   5. SIGTERM afterwards drains and exits 0 promptly.
# Usage: MS_BIN=build/mentionsift bash tests/integration/stall.sh
# (MS_EVENTS sets the backlog, default 4000).
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${MS_BIN:-build/mentionsift}
N=${MS_EVENTS:-4000}
WORK=$(mktemp -d /tmp/ms-stall-XXXXXX)
RUN=stall$$
PORT=${MS_STALL_HTTP_PORT:-19471}
fails=0
svc=

cleanup() {
  [ -n "$svc" ] && kill -KILL "$svc" 2>/dev/null
  bash tests/kafka/broker.sh stop >/dev/null 2>&1
  if [ "$fails" != 0 ]; then
    rm -rf /tmp/ms-stall-last && cp -r "$WORK" /tmp/ms-stall-last && echo "logs kept in /tmp/ms-stall-last"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
. tests/integration/lib.sh
metric() { ms_metric "$PORT" "$1"; }

bash tests/kafka/broker.sh stop >/dev/null 2>&1
BOOT=$(MS_KAFKA_EXTRA_PROPS="auto.create.topics.enable=false" bash tests/kafka/broker.sh start 1) ||
  { echo "FAIL: broker did not start"; exit 1; }
# every topic but $RUN.out, the primary topic of every category
for t in $RUN.in $RUN.mod $RUN.urg $RUN.dlq; do
  bash tests/kafka/broker.sh create-topic "$t" 3 1 >/dev/null 2>&1 ||
    { echo "FAIL: could not create topic $t"; exit 1; }
done
# every repeat_offender record is refused until check 4 raises the limit
bash tests/kafka/broker.sh create-topic "$RUN.offenders" 3 1 --config max.message.bytes=100 \
  >/dev/null 2>&1 || { echo "FAIL: could not create topic $RUN.offenders"; exit 1; }
"$BIN" firehose -b "$BOOT" -t "$RUN.in" -n "$N" -s 31 -l 150 >/dev/null 2>"$WORK/fh.log" ||
  { echo "FAIL: firehose: $(tail -1 "$WORK/fh.log")"; exit 1; }

cat >"$WORK/c.yaml" <<EOF
kafka:
  bootstrap.servers: "$BOOT"
  group.id: "$RUN"
  producer:
    # outputs to the missing topic fail after this long (librdkafka's
    # default waits 30 s for a topic to appear before failing them)
    topic.metadata.propagation.max.ms: "3000"
    message.timeout.ms: "3000"
input:
  topics: [$RUN.in]
output:
  encoding: json
  topics:
$(for c in profanity hate religion_politics colleague sexual_graphic malicious_link detrimental advertising misinformation personal_info complaint repair consent_withdrawal individual_case question positive negative external vip other; do echo "    $c: $RUN.out"; done)
    moderation: $RUN.mod
    urgent: $RUN.urg
    deadletter: $RUN.dlq
    repeat_offender: $RUN.offenders
workers: 2
processing:
  max_in_flight: 16
  shutdown_timeout_ms: 10000
http:
  listen: "127.0.0.1:$PORT"
log:
  level: info
EOF
"$BIN" run --config "$WORK/c.yaml" 2>"$WORK/service.log" &
svc=$!

# Outputs fail, events are held and rewound while the workers sit at the limit.
until=$((SECONDS + 90))
while [ $SECONDS -lt $until ]; do
  kill -0 "$svc" 2>/dev/null || { bad "the service died: $(tail -2 "$WORK/service.log")"; exit 1; }
  # wait for a rewind announcing a 1 s wait, and for the rewind after it
  n=$(grep -n '"next_retry_after_ms":"1000"' "$WORK/service.log" | head -1 | cut -d: -f1)
  if [ -n "$n" ]; then
    p=$(sed -n "${n}p" "$WORK/service.log" | jq -r '.component + " " + .partition')
    tail -n +"$((n + 1))" "$WORK/service.log" | grep 'reprocessing from the first' |
      jq -r '.component + " " + .partition' | grep -qx "$p" && break
  fi
  sleep 0.5
done
errors=$(metric mentionsift_produce_errors_total)
# a record to the missing topic fails in its delivery report, or in
# producev itself once the producer's metadata knows the topic is missing
if [ "$errors" -gt 0 ] && grep -qE 'output not delivered|"produce failed"' "$WORK/service.log"; then
  ok "outputs to the missing topic failed ($errors produce errors)"
else
  bad "no output failed (produce errors $errors): the test proved nothing"
fi
if grep -q 'reprocessing from the first undelivered event' "$WORK/service.log"; then
  ok "the workers rewound to the first undelivered event while at their in-flight limit"
else
  bad "no rewind was logged within 90 s"
fi
# Pacing: the gap between the rewind that announced 1000 ms and the next
# rewind of the same worker's same partition.
ms_of() { jq -r '.ts | (.[0:19] + "Z" | fromdate) * 1000 + (.[20:23] | tonumber)'; }
gap=$(jq -c 'select(.msg == "reprocessing from the first undelivered event")' "$WORK/service.log" 2>/dev/null |
  awk -v want=1000 '
    { match($0, /"component":"[^"]*"/); c = substr($0, RSTART, RLENGTH)
      match($0, /"partition":"[^"]*"/); k = c substr($0, RSTART, RLENGTH)
      if (k in armed) { print armed[k] "\t" $0; exit }
      if (index($0, "\"next_retry_after_ms\":\"" want "\"")) armed[k] = $0 }' |
  { IFS=$'\t' read -r a b && echo $(( $(echo "$b" | ms_of) - $(echo "$a" | ms_of) )); })
if [ -n "$gap" ] && [ "$gap" -ge 950 ]; then
  ok "retries are paced: $gap ms between the rewind that announced a 1000 ms wait and the next"
else
  bad "no paced retry seen (gap '${gap:-none}' ms after a rewind announcing 1000 ms)"
fi
in_before=$(metric mentionsift_events_in_total)
bash tests/kafka/broker.sh create-topic "$RUN.out" 3 1 >/dev/null 2>&1 || bad "could not create $RUN.out"
echo "created $RUN.out after $in_before events read (rewound ones counted again)"

# Every event out on its primary topic, the service not restarted.
until=$((SECONDS + 150)) seen=0
while [ $SECONDS -lt $until ]; do
  kill -0 "$svc" 2>/dev/null || break
  timeout 30 kcat -C -b "$BOOT" -t "$RUN.out" -o beginning -e -q -f '%h\n' 2>/dev/null |
    grep -o 'mentionsift-event-id=[^,]*' | sort | uniq -c >"$WORK/counts"
  seen=$(wc -l <"$WORK/counts")
  [ "$seen" -ge "$N" ] && break
  sleep 3
done
sed 's/.*mentionsift-event-id=//' "$WORK/counts" | sort >"$WORK/out.ids"
for i in $(seq 1 "$N"); do echo "m-31-$i"; done | sort | comm -23 - "$WORK/out.ids" >"$WORK/lost.ids"
lost=$(wc -l <"$WORK/lost.ids")
dup=$(awk '$1 > 1 { d += $1 - 1 } END { print d + 0 }' "$WORK/counts")
if [ "$lost" = 0 ]; then
  ok "every one of the $N events came out once the topic existed, without a restart (duplicated $dup)"
else
  bad "$lost of $N events never came out within 150 s of creating the topic, e.g. $(head -3 "$WORK/lost.ids" | tr '\n' ' ')"
fi

# Repeat offenders: three violations of one author on the moderation topic
# (as the workers write them: keyed by author, categories in a header).
printf 'stall-x1:a\nstall-x1:b\nstall-x1:c\n' |
  kcat -P -b "$BOOT" -t "$RUN.mod" -p 0 -K: -H mentionsift-categories=hate 2>/dev/null
until=$((SECONDS + 60))
while [ "$(metric mentionsift_repeat_offender_errors_total)" -lt 1 ] && [ $SECONDS -lt $until ]; do sleep 0.5; done
refused=$(metric mentionsift_repeat_offender_errors_total)
bash tests/kafka/broker.sh tool kafka.admin.ConfigCommand --bootstrap-server "$BOOT" --alter \
  --entity-type topics --entity-name "$RUN.offenders" --add-config max.message.bytes=1000000 \
  >/dev/null 2>&1 || bad "could not raise max.message.bytes of $RUN.offenders"
until=$((SECONDS + 120)) written=0
while [ $SECONDS -lt $until ]; do
  written=$(timeout 20 kcat -C -b "$BOOT" -t "$RUN.offenders" -o beginning -e -q -f '%k\n' 2>/dev/null |
    grep -c '^stall-x1$')
  [ "$written" -ge 1 ] && break
  sleep 2
done
if [ "$refused" -ge 1 ] && [ "$written" -ge 1 ] &&
  grep -q 'repeat_offender record was lost: replaying' "$WORK/service.log"; then
  ok "a repeat_offender record the broker refused ($refused refusals) was written once the topic took it"
else
  bad "repeat offender: refused $refused, written $written, rebuild logged: $(grep -c 'record was lost: replaying' "$WORK/service.log")"
fi

# A stop after it all is prompt and clean.
t0=$SECONDS
kill -TERM "$svc" 2>/dev/null
wait "$svc"
rc=$?
svc=
if [ "$rc" = 0 ] && [ $((SECONDS - t0)) -le 15 ]; then
  ok "SIGTERM afterwards: exited 0 in $((SECONDS - t0)) s"
else
  bad "SIGTERM afterwards: exit status $rc after $((SECONDS - t0)) s"
fi
echo "stall on kafka: $fails failed"
[ "$fails" = 0 ]
