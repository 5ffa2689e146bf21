#!/usr/bin/env bash
# exactly_once.sh - delivery guarantees under faults, on a 3-broker Apache
# Kafka cluster (KRaft, loopback; replication factor 3, min.insync.replicas
# 2 for the input, output, offsets and transaction-state topics).
#
# A known set of events (unique ids, from the deterministic firehose) is
# streamed through the service while faults hit it: the service is SIGKILLed
# at random points and restarted (two instances in one group, so rebalances
# happen under load), the broker that coordinates the group (and, with
# exactly_once, in alternate cycles the one that coordinates an instance's
# transactions) is SIGKILLed and restarted, and another broker is
# SIGSTOPped for longer than the session timeout and resumed. Fault rounds
# go on while the firehose streams, and at least MS_FAULT_ROUNDS times
# (default 8: two cycles; bench/fault_run.sh runs the long version). Then every
# output is read with isolation.level=read_committed and each input id's
# outputs on the primary topic are counted. Every fault is confirmed: the
# coordinators are found with Kafka's own tools and broker.sh must report
# the signal sent; a fault that cannot be injected, or a broker that does not
# come back, fails the run, and so does a run without each kind of fault.
#
#   exactly_once:  lost 0 and duplicated 0, or the test fails;
#   at_least_once: lost 0, or the test fails; duplicates are reported;
#   at_least_once_cooperative: the same with partition.assignment.strategy
#                  cooperative-sticky (incremental rebalances).
#
# Only real Kafka: librdkafka's mock cluster writes no transaction markers,
# so exactly once cannot be shown on it. Usage (MS_EVENTS sets the count,
# MS_RATE the firehose's events/s, default 2500):
#   MS_BIN=build/mentionsift bash tests/integration/exactly_once.sh [exactly_once|at_least_once|at_least_once_cooperative ...]
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${MS_BIN:-build/mentionsift}
N=${MS_EVENTS:-20000}
MODES=("${@:-exactly_once}")
[ $# -eq 0 ] && MODES=(exactly_once at_least_once)
WORK=$(mktemp -d /tmp/ms-eos-XXXXXX)
fails=0
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for b in 1 2 3; do bash tests/kafka/broker.sh resume "$b" >/dev/null 2>&1; done
  bash tests/kafka/broker.sh stop >/dev/null 2>&1
  if [ "$fails" != 0 ]; then
    rm -rf /tmp/ms-eos-last && cp -r "$WORK" /tmp/ms-eos-last && echo "logs kept in /tmp/ms-eos-last"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

bash tests/kafka/broker.sh stop >/dev/null 2>&1
BOOT=$(MS_KAFKA_EXTRA_PROPS="min.insync.replicas=2
transaction.state.log.min.isr=2" bash tests/kafka/broker.sh start 3) ||
  { echo "FAIL: 3-broker cluster did not start"; exit 1; }
echo "cluster: $BOOT"

# The node id of a group's coordinator (1..3), asked of Kafka's own group
# tool up to 3 times; nothing when it cannot be told.
coordinator() { # group
  local id try
  for try in 1 2 3; do
    id=$(timeout 30 bash tests/kafka/broker.sh tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
           --bootstrap-server "$BOOT" --describe --group "$1" --state 2>/dev/null |
         grep -o '([0-9])' | head -1 | tr -d '()')
    case "$id" in 1 | 2 | 3) echo "$id"; return 0 ;; esac
    sleep 1
  done
  return 1
}

# The node id of a transactional id's coordinator (1..3), asked of Kafka's
# own transactions tool up to 3 times; nothing when it cannot be told.
txn_coordinator() { # transactional.id
  local id try
  for try in 1 2 3; do
    id=$(timeout 30 bash tests/kafka/broker.sh tool org.apache.kafka.tools.TransactionsCommand \
           --bootstrap-server "$BOOT" describe --transactional-id "$1" 2>/dev/null |
         awk 'NR == 2 { print $1 }')
    case "$id" in 1 | 2 | 3) echo "$id"; return 0 ;; esac
    sleep 1
  done
  return 1
}

# A fault that could not be injected fails the run: a run that did not hit
# the cluster proves nothing about the cluster.
fault_failed() { # what
  echo "FAIL: $1"
  fails=$((fails + 1))
}

run_mode() { # mode
  local mode=$1 run="eos$$$RANDOM" fails_before=$fails
  # at_least_once_cooperative: at_least_once with incremental rebalances
  local guarantee=${mode%_cooperative} assignor=""
  [ "$guarantee" != "$mode" ] && assignor='    partition.assignment.strategy: cooperative-sticky'
  case $guarantee in exactly_once | at_least_once) ;; *) echo "FAIL: unknown mode $mode"; fails=$((fails + 1)); return ;; esac
  local in=$run.in out=$run.out mod=$run.mod urg=$run.urg dlq=$run.dlq
  for t in $in $out $mod $urg $dlq; do
    bash tests/kafka/broker.sh create-topic "$t" 6 3 >/dev/null 2>&1
  done
  cat > "$WORK/$mode.yaml" <<EOF
kafka:
  bootstrap.servers: "$BOOT"
  group.id: "$run"
  consumer:
    session.timeout.ms: "8000"
    heartbeat.interval.ms: "1000"
$assignor
  producer:
    transaction.timeout.ms: "30000"
    message.timeout.ms: "30000"
input:
  topics: [$in]
output:
  encoding: json
  topics:
$(for c in profanity hate religion_politics colleague sexual_graphic malicious_link detrimental advertising misinformation personal_info complaint repair consent_withdrawal individual_case question positive negative external vip other; do echo "    $c: $out"; done)
    moderation: $mod
    urgent: $urg
    deadletter: $dlq
workers: 2
processing:
  guarantee: $guarantee
http:
  listen: "off"
log:
  level: warn
EOF
  "$BIN" firehose -b "$BOOT" -t "$in" -n "$N" -s 11 -l 120 -r "${MS_RATE:-2500}" \
    >/dev/null 2>"$WORK/fh.log" &
  local fh=$!
  pids+=($fh)
  local s1 s2 faults_kill=0 faults_broker=0 faults_txn=0 faults_pause=0
  # a stable instance id per slot: a restarted instance fences its killed
  # predecessor's open transaction at once instead of waiting for its timeout
  start() {
    MENTIONSIFT_PROCESSING_INSTANCE_ID=$1 "$BIN" run --config "$WORK/$mode.yaml" \
      2>>"$WORK/$mode.$1.log" &
    eval "$1=\$!"
    pids+=($!)
  }
  start s1; start s2
  # faults while the stream flows: a service SIGKILL every ~2.5 s; every
  # fourth round a coordinator broker is killed, restarted in the next round
  # while another broker is paused past the session timeout.
  local round=0 victim='' paused='' what=''
  while [ $round -lt "${MS_FAULT_ROUNDS:-8}" ] || kill -0 "$fh" 2>/dev/null; do
    round=$((round + 1))
    sleep $((2 + RANDOM % 2))
    kill -KILL "$s1" 2>/dev/null; wait "$s1" 2>/dev/null; faults_kill=$((faults_kill + 1)); start s1
    if [ $((round % 4)) = 2 ]; then
      # the group's coordinator also leads the offsets partition that the
      # transactions commit to; the transaction coordinator writes the markers
      local txn=0
      if [ "$mode" = exactly_once ] && [ $((round / 4 % 2)) = 0 ]; then
        victim=$(txn_coordinator "$run.s2.0") && txn=1
        what="transaction coordinator of $run.s2.0"
      else
        victim=$(coordinator "$run"); what="group coordinator"
      fi
      if [ -z "$victim" ]; then
        fault_failed "$mode: round $round: the $what could not be found"
      elif bash tests/kafka/broker.sh kill "$victim" >/dev/null 2>&1; then
        faults_broker=$((faults_broker + 1)) faults_txn=$((faults_txn + txn))
        echo "  round $round: killed broker $victim ($what)"
      else
        fault_failed "$mode: round $round: broker.sh kill $victim ($what) failed"
        victim=''
      fi
    fi
    if [ $((round % 4)) = 3 ] && [ -n "$victim" ]; then
      bash tests/kafka/broker.sh restart "$victim" >/dev/null 2>&1 &
      local restarting=$!
      paused=$(( victim % 3 + 1 ))
      if bash tests/kafka/broker.sh pause "$paused" >/dev/null 2>&1; then
        faults_pause=$((faults_pause + 1))
      else fault_failed "$mode: round $round: broker.sh pause $paused failed"; fi
      sleep 10
      bash tests/kafka/broker.sh resume "$paused" >/dev/null 2>&1 ||
        fault_failed "$mode: round $round: broker.sh resume $paused failed"
      wait "$restarting" || fault_failed "$mode: round $round: broker $victim did not come back"
      victim=''
    fi
    sleep 1
    kill -KILL "$s2" 2>/dev/null; wait "$s2" 2>/dev/null; faults_kill=$((faults_kill + 1)); start s2
  done
  # a broker killed in the last round comes back before the count
  if [ -n "$victim" ] && ! bash tests/kafka/broker.sh restart "$victim" >/dev/null 2>&1; then
    fault_failed "$mode: broker $victim did not come back after the last round"
  fi
  # every kind of fault happened at least once
  [ "$faults_broker" -ge 1 ] || fault_failed "$mode: no broker was killed"
  [ "$faults_pause" -ge 1 ] || fault_failed "$mode: no broker was paused"
  [ "$mode" != exactly_once ] || [ "$faults_txn" -ge 1 ] ||
    fault_failed "$mode: no transaction coordinator was killed"
  wait "$fh" || { echo "FAIL: $mode: firehose failed: $(tail -2 "$WORK/fh.log")"; fails=$((fails + 1)); }

  # wait until every id is downstream (bounded), reading committed data only
  local until=$((SECONDS + 240 + N / 2000)) lost=$N dup=0 seen=0
  while [ $SECONDS -lt $until ]; do
    timeout 60 kcat -C -b "$BOOT" -t "$out" -o beginning -e -q -X isolation.level=read_committed \
      -f '%h\n' 2>/dev/null | grep -o 'mentionsift-event-id=[^,]*' | sort | uniq -c > "$WORK/$mode.counts"
    seen=$(wc -l < "$WORK/$mode.counts")
    timeout 60 kcat -C -b "$BOOT" -t "$dlq" -o beginning -e -q -X isolation.level=read_committed \
      -f '%o\n' 2>/dev/null | wc -l > "$WORK/$mode.dlq"
    [ "$seen" -ge "$N" ] && break
    sleep 3
  done
  lost=$((N - seen))
  dup=$(awk '$1 > 1 { d += $1 - 1 } END { print d + 0 }' "$WORK/$mode.counts")
  kill -TERM "$s1" "$s2" 2>/dev/null; wait "$s1" "$s2" 2>/dev/null
  echo "$mode: events $N, faults: service SIGKILL $faults_kill, broker SIGKILL $faults_broker (transaction coordinator $faults_txn), broker SIGSTOP $faults_pause; lost $lost, duplicated $dup, dead-lettered $(cat "$WORK/$mode.dlq")"
  if [ "$lost" -ne 0 ]; then echo "FAIL: $mode lost $lost events"; fails=$((fails + 1)); fi
  if [ "$mode" = exactly_once ] && [ "$dup" -ne 0 ]; then
    echo "FAIL: exactly_once duplicated $dup outputs"; fails=$((fails + 1))
    head -5 <(awk '$1 > 1' "$WORK/$mode.counts")
  fi
  [ "$fails" -eq "$fails_before" ] && echo "PASS: $mode"
}

for m in "${MODES[@]}"; do run_mode "$m"; done
echo "exactly-once fault test: $fails failed"
[ $fails = 0 ]
