#!/usr/bin/env bash
# bench_pipeline.sh - end-to-end benchmark of `mentionsift run`: events/s of
# the service classifying vs the same service in `processing.passthrough`
# mode (the same consume + produce loop with no decoding and no
# classification), their ratio, and p50/p99 latency from the event's
# timestamp to the broker's acknowledgement of its last output.
#
#   bench/bench_pipeline.sh [--broker mock|kafka|both] [--events N] [--workers "1 2"]
#                           [--length BYTES] [--seed S] [--encoding json|protobuf]
#                           [--interval S] [--latency-rate R] [--latency-seconds S]
#                           [--repeat R] [--passthrough-factor F] [--mock-per-topic N]
#                           [--drain-timeout S] [--max-seconds S] [--no-build] [--keep]
#
# Defaults: both brokers, 350000 events, workers "1 2", 200-byte texts,
# seed 1, JSON input, scrape every 0.05 s, latency phase 5000/s for 3 s,
# 3 repeats, passthrough factor 3 (kafka), 120 s per drain, 900 s in all.
#
# Every figure comes from ONE run of this script, so they are comparable with
# each other; the machine is shared and noisy, so read the ratios, not the
# absolute numbers. See bench/README.md for how to read the output.
#
# Method, per broker (librdkafka's mock cluster, and/or real Apache Kafka
# 4.1.2 from tests/kafka/broker.sh, 1 node, on its own ports and run dir so a
# test cluster on the default ports is left alone):
#   1. Pre-produce N events with `mentionsift firehose` (-l BYTES mean text,
#      -e ENCODING, chunks of --mock-per-topic events with seeds S, S+1, ...),
#      so both brokers get the same events:
#        kafka: one input topic created with 6 partitions, and a second one
#               with (F - 1) x N more events (--passthrough-factor F, 3)
#               that only the passthrough runs also read: passthrough is
#               ~10x faster or more, and a drain of N alone would last under a
#               second (events are events to passthrough: it never looks
#               inside them);
#        mock:  one topic per chunk, auto-created with the mock's 4 partitions
#               (it cannot be told otherwise). The mock keeps only 100,000
#               messages / 5 MB per partition and trims the oldest, so each
#               topic gets at most --mock-per-topic events (25,000 JSON events
#               of ~560 bytes = ~3.5 MB per partition); the script checks that
#               no partition was trimmed.
#      The output topics are created beforehand (one message each, by an
#      idempotent producer) so topic creation and the loading of Kafka's
#      transaction coordinator never land inside a measurement; the
#      moderation topic is one per run, since the offenders stage replays it
#      from the start of its window when the service starts. The firehose's own rate is
#      printed: with pre-produced input it is not part of the measurement.
#   2. For workers in {1, 2} and mode in {passthrough, classify}: start the
#      service on the same input with a fresh consumer group (it reads from
#      the beginning), output.encoding protobuf, log level warn, HTTP on
#      127.0.0.1:19464+k. pipeline_report.py scrapes /metrics every --interval
#      seconds until N events are completed (every output acknowledged),
#      nothing is in flight, the consumer lag is 0 and nothing changes for
#      1.2 s. events/s = completed events (the count of
#      mentionsift_processing_latency_seconds) per second over the steady
#      state: the sample pairs taken with every worker assigned, between 10%
#      and 90% of N completed; pauses inside it count (time without progress
#      is noted: librdkafka 2.0.2's consumer can pause its fetches ~0.5 s
#      mid-drain, and on the mock a rebalance can fall there). drain/s =
#      N / (all completed - first in), the whole drain, start-up included.
#      Why completed and not mentionsift_events_in_total: events_in runs ahead
#      of delivery by up to processing.max_in_flight (50,000 per worker), a
#      large part of N, so its slope overstates a short run.
#      The one setting that differs from the service's defaults is the
#      consumer's session.timeout.ms, 6 s instead of 45 s: the mock answers a
#      follower's SyncGroup that arrives after the leader's with
#      INVALID_REQUEST, the follower rejoins, and the mock then waits
#      session.timeout.ms - 1 s to complete that rebalance (librdkafka
#      rdkafka_mock_cgrp.c), which stalled 2-worker runs for ~45 s. The mock
#      also refuses commits while it rebalances, so the events of that
#      moment are processed twice (at least once); the table notes how many.
#   3. Latency: a pre-produced backlog has latencies of seconds (the time it
#      waited), so after the drain the firehose sends --latency-rate events/s
#      for --latency-seconds to a topic of this run, which the service also
#      reads; p50/p99 come from the difference of the latency histogram
#      scraped before and after, interpolated linearly inside its buckets
#      (bounds 0.5, 1, 2.5, 5, 10, 25, 50, 100 ms, ...: coarse). The latency
#      includes the firehose's and the service's linger.ms (5 ms each).
#   4. SIGTERM; the service must exit 0. Dead letters and produce errors must
#      be 0. svc_cpu / brk_cpu: cores used by the service / the broker during
#      the measured window (2.00 = both cores of this machine).
#
# The machine has 2 cores: the service (1 or 2 worker threads plus
# librdkafka's threads) and the broker (mock: one thread in a separate
# process; Kafka: a JVM) compete for them, which is why the input is
# pre-produced (the firehose would be a third competitor) and why 2 workers
# gain little. Everything is bounded in time; brokers and processes are
# cleaned up on exit (trap). Uses build-rel/ (Release, no sanitizers), built
# if missing and brought up to date with ninja otherwise (--no-build: as is).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
CMDLINE="$0 $*"

BROKERS=both
EVENTS=350000
WORKERS="1 2"
LENGTH=200
SEED=1
ENCODING=json
MOCK_PER_TOPIC=
INTERVAL=0.05
LAT_RATE=5000
LAT_SECONDS=3
REPEAT=3
PT_FACTOR=3
DRAIN_TIMEOUT=120
MAX_SECONDS=900
BUILD=1
KEEP=0

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; echo "Method and caveats: the rest of this header, and bench/README.md."; }
while [ $# -gt 0 ]; do
  case $1 in
    --broker) BROKERS=$2; shift 2 ;;
    --events) EVENTS=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --length) LENGTH=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --encoding) ENCODING=$2; shift 2 ;;
    --mock-per-topic) MOCK_PER_TOPIC=$2; shift 2 ;;
    --interval) INTERVAL=$2; shift 2 ;;
    --latency-rate) LAT_RATE=$2; shift 2 ;;
    --latency-seconds) LAT_SECONDS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    --passthrough-factor) PT_FACTOR=$2; shift 2 ;;
    --drain-timeout) DRAIN_TIMEOUT=$2; shift 2 ;;
    --max-seconds) MAX_SECONDS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench_pipeline: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
case $BROKERS in
  both) BROKERS="mock kafka" ;;
  mock | kafka) ;;
  *) echo "bench_pipeline: --broker must be mock, kafka or both" >&2; exit 2 ;;
esac
case $ENCODING in json | protobuf) ;; *) echo "bench_pipeline: --encoding json|protobuf" >&2; exit 2 ;; esac
# Per-topic cap on the mock: 4 partitions of at most 5 MB / 100,000 messages
# each. Budget 3.6 MB per partition (margin for the uneven spread of author
# keys) at ~360 + LENGTH bytes per JSON event, ~170 + LENGTH per protobuf one
# (measured: ~560 and ~370 at -l 200).
if [ -z "$MOCK_PER_TOPIC" ]; then
  if [ "$ENCODING" = json ]; then est=$((360 + LENGTH)); else est=$((170 + LENGTH)); fi
  MOCK_PER_TOPIC=$((4 * 3600000 / est / 1000 * 1000))
  [ "$MOCK_PER_TOPIC" -gt 360000 ] && MOCK_PER_TOPIC=360000
  [ "$MOCK_PER_TOPIC" -lt 1000 ] && MOCK_PER_TOPIC=1000
fi
CHUNKS=$(((EVENTS + MOCK_PER_TOPIC - 1) / MOCK_PER_TOPIC))
if [ "$CHUNKS" -gt 15 ] && [[ " $BROKERS " == *" mock "* ]]; then
  echo "bench_pipeline: $EVENTS events need $CHUNKS topics of $MOCK_PER_TOPIC on the mock;" \
    "the service reads at most 16 topics (15 + the latency topic). Lower --events." >&2
  exit 2
fi

BIN=$ROOT/build-rel/mentionsift
REPORT="python3 $ROOT/bench/pipeline_report.py"
W=$(mktemp -d /tmp/ms-bench-XXXXXX)
RUN=bench$$x$(date +%s)
KDIR=${MS_BENCH_KAFKA_DIR:-/tmp/mentionsift-bench-kafka}
KPORT=${MS_BENCH_KAFKA_PORT:-29092}
KCTRL=${MS_BENCH_KAFKA_CONTROLLER_PORT:-29192}
T_START=$SECONDS
pids=()
kafka_started=0
mock_pid=

say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }

# True if pid $1 is still a child of this script (a finished pid may have
# been reused by someone else's process: leave that alone).
ours() {
  [ -n "$1" ] && [ "$(awk '{print $4}' "/proc/$1/stat" 2>/dev/null)" = "$$" ]
}

cleanup() {
  local p
  trap - EXIT INT TERM
  for p in "${pids[@]}" $mock_pid; do ours "$p" && kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 30); do # up to 3 s to drain and exit, then KILL
    local left=0
    for p in "${pids[@]}" $mock_pid; do
      ours "$p" && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && left=1
    done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}" $mock_pid; do ours "$p" && kill -KILL "$p" 2>/dev/null; done
  if [ "$kafka_started" = 1 ]; then
    MS_KAFKA_DIR=$KDIR MS_KAFKA_PORT=$KPORT MS_KAFKA_CONTROLLER_PORT=$KCTRL \
      timeout 60 bash tests/kafka/broker.sh stop >/dev/null 2>&1
  fi
  [ -n "${watchdog:-}" ] && ours "$watchdog" && kill "$watchdog" 2>/dev/null
  if [ "$KEEP" = 1 ]; then say "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'say "bench_pipeline: interrupted"; exit 130' INT TERM
# Bound the whole run: the watchdog TERMs this script, whose trap cleans up.
(
  trap 'kill "$s" 2>/dev/null; exit 0' TERM
  sleep "$MAX_SECONDS" &
  s=$!
  wait "$s" && { say "bench_pipeline: --max-seconds $MAX_SECONDS reached"; kill -TERM $$; }
) &
watchdog=$!

# Only this script's settings reach the service: drop MENTIONSIFT_* from
# the caller's environment (the rule-set cache directory may stay).
for v in $(compgen -e | grep '^MENTIONSIFT_'); do
  [ "$v" = MENTIONSIFT_CACHE_DIR ] || unset "$v"
done

# ---- build ------------------------------------------------------------
if [ ! -f build-rel/build.ninja ]; then
  say "configuring build-rel (Release, no sanitizers) ..."
  cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DMS_SANITIZE=OFF >"$W/cmake.log" 2>&1 ||
    { tail -20 "$W/cmake.log" >&2; exit 1; }
fi
if [ "$BUILD" = 1 ] || [ ! -x "$BIN" ]; then
  ninja -C build-rel mentionsift >"$W/ninja.log" 2>&1 || { tail -30 "$W/ninja.log" >&2; exit 1; }
fi
# The tree may change under a long run (and others may rebuild build-rel):
# every run of this invocation uses one snapshot of the binary and the rules.
cp "$BIN" "$W/mentionsift" && BIN=$W/mentionsift
RULES=${MS_RULES_DIR:-$ROOT/rules}
cp -r "$RULES" "$W/rules" || { say "bench_pipeline: cannot copy the rules from $RULES"; exit 1; }
for c in kcat curl python3 bc; do
  command -v $c >/dev/null || { say "bench_pipeline: '$c' not found"; exit 1; }
done

# ---- helpers ----------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { # first free port from $1
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

# kcat -Q for every partition of the given topics at logical time $1
# (-2 earliest, -1 end); prints "topic partition offset" lines.
offsets_at() { # ts topic...
  local ts=$1 t n p args=()
  shift
  for t in "$@"; do
    n=$(timeout 20 kcat -L -b "$BOOT" -t "$t" 2>/dev/null | sed -n 's/.* with \([0-9]*\) partitions.*/\1/p')
    for ((p = 0; p < ${n:-0}; p++)); do args+=(-t "$t:$p:$ts"); done
  done
  timeout 30 kcat -Q -b "$BOOT" "${args[@]}" 2>/dev/null | sed -n 's/^\(.*\) \[\([0-9]*\)\] offset \(-\{0,1\}[0-9]*\)$/\1 \2 \3/p'
}

OUT_NAMES="complaint repair misinformation positive question consent case other urgent deadletter repeat_offender"

write_config() { # file group workers passthrough port run topics...
  local f=$1 g=$2 w=$3 pt=$4 port=$5 o=$RUN.$BROKER.out mod=$RUN.$BROKER.out.moderation.r$6
  shift 6
  local topics
  topics=$(IFS=,; echo "$*")
  cat >"$f" <<EOF
kafka:
  bootstrap.servers: "$BOOT"
  group.id: "$g"
  consumer:
    session.timeout.ms: "6000"
input:
  topics: [$topics]
  encoding: auto
output:
  encoding: protobuf
  topics:
    complaint: $o.complaint
    repair: $o.repair
    misinformation: $o.misinformation
    positive: $o.positive
    question: $o.question
    consent_withdrawal: $o.consent
    individual_case: $o.case
    profanity: $mod
    hate: $mod
    religion_politics: $mod
    colleague: $mod
    sexual_graphic: $mod
    malicious_link: $mod
    detrimental: $mod
    advertising: $mod
    personal_info: $mod
    negative: $o.other
    external: $o.other
    vip: $o.other
    other: $o.other
    moderation: $mod
    urgent: $o.urgent
    deadletter: $o.deadletter
    repeat_offender: $o.repeat_offender
rules: $W/rules
workers: $w
processing:
  passthrough: $pt
http:
  listen: 127.0.0.1:$port
log:
  level: warn
EOF
}

cpu_ticks() { # utime+stime of a pid (0 if gone)
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# ---- one broker -------------------------------------------------------
start_broker() {
  if [ "$BROKER" = mock ]; then
    "$BIN" mock-cluster 1 >"$W/mock.out" 2>"$W/mock.err" &
    mock_pid=$!
    for _ in $(seq 100); do [ -s "$W/mock.out" ] && break; sleep 0.05; done
    BOOT=$(head -1 "$W/mock.out")
    BROKER_PID=$mock_pid
  else
    BOOT=$(MS_KAFKA_DIR=$KDIR MS_KAFKA_PORT=$KPORT MS_KAFKA_CONTROLLER_PORT=$KCTRL \
      timeout 180 bash tests/kafka/broker.sh start 1 2>"$W/kafka-start.log")
    kafka_started=1
    BROKER_PID=$(cat "$KDIR/node1/pid" 2>/dev/null)
  fi
  [ -n "$BOOT" ] || { say "bench_pipeline: $BROKER broker did not start"; cat "$W"/*.err "$W"/kafka-start.log 2>/dev/null | tail -20 >&2; return 1; }
}

stop_broker() {
  if [ "$BROKER" = mock ]; then
    kill -TERM "$mock_pid" 2>/dev/null
    wait "$mock_pid" 2>/dev/null
    mock_pid=
  else
    MS_KAFKA_DIR=$KDIR MS_KAFKA_PORT=$KPORT MS_KAFKA_CONTROLLER_PORT=$KCTRL \
      timeout 60 bash tests/kafka/broker.sh stop >/dev/null 2>&1
    kafka_started=0
  fi
}

kafka_create() { # topic partitions
  MS_KAFKA_DIR=$KDIR MS_KAFKA_PORT=$KPORT MS_KAFKA_CONTROLLER_PORT=$KCTRL \
    timeout 60 bash tests/kafka/broker.sh create-topic "$1" "$2" 1 >/dev/null 2>>"$W/create.log"
}

produce_chunks() { # count first_seed topic... : chunks of MOCK_PER_TOPIC, seeds first_seed, +1, ...
  local count=$1 seed=$2 i=0 n secs topic
  shift 2
  local topics=("$@")
  while [ "$count" -gt 0 ]; do
    n=$((count < MOCK_PER_TOPIC ? count : MOCK_PER_TOPIC))
    count=$((count - n))
    topic=${topics[$((i < ${#topics[@]} ? i : ${#topics[@]} - 1))]}
    timeout 300 "$BIN" firehose -b "$BOOT" -t "$topic" -n "$n" -s $((seed + i)) -l "$LENGTH" \
      -e "$ENCODING" 2>"$W/fh-pre.log" || { say "firehose failed: $(tail -2 "$W/fh-pre.log")"; return 1; }
    secs=$(sed -n 's/.* sent to .* in \([0-9.]*\) s.*/\1/p' "$W/fh-pre.log" | tail -1)
    FH_SECONDS=$(echo "$FH_SECONDS + ${secs:-0}" | bc -l)
    FH_EVENTS=$((FH_EVENTS + n))
    i=$((i + 1))
  done
}

check_intact() { # expected topic... : nothing trimmed, exactly `expected` events
  local expected=$1 lows highs trimmed total
  shift
  lows=$(offsets_at -2 "$@")
  highs=$(offsets_at -1 "$@")
  trimmed=$(echo "$lows" | awk '$3 != 0' | wc -l)
  total=$(echo "$highs" | awk '{s += $3} END {print s + 0}')
  NPARTS=$(echo "$highs" | wc -l)
  if [ "$trimmed" != 0 ] || [ "$total" != "$expected" ]; then
    say "bench_pipeline: input not intact on $BROKER: $trimmed partitions trimmed, $total of $expected events" \
      "(the mock keeps 5 MB per partition: lower --mock-per-topic)"
    return 1
  fi
}

prepare_topics() {
  local i
  IN_TOPICS=()
  EXTRA_TOPICS=()
  LAT_TOPICS=()
  local nruns=$(( $(echo $WORKERS | wc -w) * 2 * REPEAT ))
  if [ "$BROKER" = kafka ]; then
    IN_TOPICS=("$RUN.kafka.in")
    kafka_create "${IN_TOPICS[0]}" 6 || { say "create-topic failed: $(tail -3 "$W/create.log")"; return 1; }
    PT_EXTRA=$((EVENTS * (PT_FACTOR - 1)))
    if [ "$PT_EXTRA" -gt 0 ]; then
      EXTRA_TOPICS=("$RUN.kafka.in-extra")
      kafka_create "${EXTRA_TOPICS[0]}" 6 || { say "create-topic failed: $(tail -3 "$W/create.log")"; return 1; }
    fi
  else
    for ((i = 0; i < CHUNKS; i++)); do IN_TOPICS+=("$RUN.$BROKER.in$i"); done
    PT_EXTRA=0
  fi
  # One latency topic per run, auto-created (kafka: 3 partitions, the broker
  # default; mock: 4) by one event, which the service reads during the drain.
  for ((i = 1; i <= nruns; i++)); do
    LAT_TOPICS+=("$RUN.$BROKER.lat$i")
    timeout 30 "$BIN" firehose -b "$BOOT" -t "$RUN.$BROKER.lat$i" -n 1 -s 999 -l "$LENGTH" \
      -e "$ENCODING" 2>>"$W/fh-seed.log" || { say "seeding $RUN.$BROKER.lat$i failed"; return 1; }
  done
  LAT_SEEDED=1
  # Output topics exist before any measurement (broker-default partitions),
  # written by an idempotent producer so that a fresh Kafka loads its
  # transaction coordinator (which the service's idempotent producers need
  # for their producer id, 1-3 s the first time) before the first run.
  # The moderation topic is one per run: the offenders stage reads it from
  # the start of its window when the service starts, and a topic shared by
  # the runs would make each classify run replay the runs before it.
  local names=$OUT_NAMES
  for ((i = 1; i <= nruns; i++)); do names="$names moderation.r$i"; done
  for i in $names; do
    echo "create" | timeout 30 kcat -P -b "$BOOT" -t "$RUN.$BROKER.out.$i" -X enable.idempotence=true 2>/dev/null ||
      { say "creating output topic $RUN.$BROKER.out.$i failed"; return 1; }
  done
  # Pre-produce N events in chunks with seeds S, S+1, ...: identical events
  # on both brokers; on kafka, (--passthrough-factor - 1) x N more with the
  # next seeds for the passthrough runs only.
  FH_SECONDS=0
  FH_EVENTS=0
  produce_chunks "$EVENTS" "$SEED" "${IN_TOPICS[@]}" || return 1
  check_intact "$EVENTS" "${IN_TOPICS[@]}" || return 1
  local nparts=$NPARTS
  if [ "$PT_EXTRA" -gt 0 ]; then
    produce_chunks "$PT_EXTRA" $((SEED + CHUNKS)) "${EXTRA_TOPICS[@]}" || return 1
    check_intact "$PT_EXTRA" "${EXTRA_TOPICS[@]}" || return 1
  fi
  FH_RATE=$(echo "if ($FH_SECONDS > 0) $FH_EVENTS / $FH_SECONDS else 0" | bc -l | cut -d. -f1)
  say "$BROKER: $EVENTS events pre-produced to ${#IN_TOPICS[@]} topic(s), $nparts partitions," \
    "${EXTRA_TOPICS[*]:+$PT_EXTRA more for passthrough, }firehose alone: $FH_RATE events/s"
  echo "$BROKER	$FH_RATE	${#IN_TOPICS[@]}	$nparts	$((EVENTS + PT_EXTRA))" >>"$W/firehose.tsv"
}

# ---- one run ------------------------------------------------------------
RUN_K=0
run_one() { # workers mode
  local w=$1 mode=$2 pt=false
  [ "$mode" = passthrough ] && pt=true
  RUN_K=$((RUN_K + 1))
  local k=$RUN_K lat_topic=${LAT_TOPICS[$((k_broker))]}
  k_broker=$((k_broker + 1))
  local port
  port=$(free_port $((19464 + k)))
  local url=http://127.0.0.1:$port d=$W/run$k
  mkdir -p "$d"
  local topics=("${IN_TOPICS[@]}") want=$((EVENTS + LAT_SEEDED))
  if [ "$mode" = passthrough ] && [ "${#EXTRA_TOPICS[@]}" -gt 0 ]; then
    topics+=("${EXTRA_TOPICS[@]}")
    want=$((want + PT_EXTRA))
  fi
  write_config "$d/cfg.yaml" "$RUN.$BROKER.g$k" "$w" "$pt" "$port" "$k_broker" "${topics[@]}" "$lat_topic"
  say "[$BROKER w=$w $mode] service on $url, draining $want events ..."
  "$BIN" run --config "$d/cfg.yaml" 2>"$d/service.log" &
  local svc=$!
  pids+=("$svc")
  local rc=0 vars
  # In the background, so that Ctrl-C / TERM interrupt the wait at once.
  $REPORT watch "$url/metrics" "$want" "$DRAIN_TIMEOUT" "$INTERVAL" "$d/samples.tsv" \
    "$svc,${BROKER_PID:-0}" >"$d/watch.out" &
  local wp=$!
  pids+=("$wp")
  wait "$wp" || rc=1
  vars=$(cat "$d/watch.out")
  # shellcheck disable=SC2034  # set by the eval of pipeline_report.py's output
  local ok=0 rate=- drain=- coarse=0 svc_cpu=- brk_cpu=- deadletter=0 produce_errors=0 n_window=0 \
    window_s=0 stalled_s=0 dup=0 completed=0
  eval "$vars"
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  local notes=""
  if ! kill -0 "$svc" 2>/dev/null; then
    notes="service died: $(grep -v '^$' "$d/service.log" | tail -1 | cut -c1-200)"
    say "  $notes"
  elif [ "$rc" != 0 ]; then
    notes="drain timed out"
    say "  drain timed out after ${DRAIN_TIMEOUT}s (events_in ${events_in:-?}, completed ${completed:-?} of $want)"
  fi
  local ready
  ready=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/readyz")
  [ "$ready" = 200 ] || notes="${notes:+$notes; }readyz $ready"
  # Latency at a fixed rate, from the histogram difference.
  # shellcheck disable=SC2034  # lat_n: set by eval
  local p50=- p99=- lat_n=0
  if [ "$rc" = 0 ]; then
    curl -s --max-time 5 "$url/metrics" >"$d/before.prom"
    local m=$((LAT_RATE * LAT_SECONDS))
    timeout $((LAT_SECONDS + 60)) "$BIN" firehose -b "$BOOT" -t "$lat_topic" -n "$m" -r "$LAT_RATE" \
      -s $((SEED + 100 + k)) -l "$LENGTH" -e "$ENCODING" 2>"$d/fh-lat.log" ||
      notes="${notes:+$notes; }latency firehose failed"
    if $REPORT watch "$url/metrics" $((completed + m)) 30 0.1 "$d/lat-samples.tsv" "$svc" >/dev/null; then
      curl -s --max-time 5 "$url/metrics" >"$d/after.prom"
      local p50_ms=- p99_ms=-
      eval "$($REPORT latency "$d/before.prom" "$d/after.prom")"
      p50=$p50_ms p99=$p99_ms
    else
      notes="${notes:+$notes; }latency events not all completed in 30 s"
    fi
  fi
  curl -s --max-time 5 "$url/metrics" >"$d/final.prom"
  deadletter=$(awk '$1 == "mentionsift_deadletter_total" {print $2}' "$d/final.prom")
  produce_errors=$(awk '$1 == "mentionsift_produce_errors_total" {print $2}' "$d/final.prom")
  [ "${deadletter:-0}" = 0 ] || notes="${notes:+$notes; }$deadletter dead letters"
  [ "${produce_errors:-0}" = 0 ] || notes="${notes:+$notes; }$produce_errors produce errors"
  # SIGTERM: drain, commit, exit 0 (bounded: shutdown_timeout_ms 10 s + margin).
  kill -TERM "$svc" 2>/dev/null
  local t0=$SECONDS
  while kill -0 "$svc" 2>/dev/null && [ $((SECONDS - t0)) -lt 30 ]; do sleep 0.1; done
  if kill -0 "$svc" 2>/dev/null; then
    kill -KILL "$svc" 2>/dev/null
    notes="${notes:+$notes; }no exit 30 s after SIGTERM"
  fi
  wait "$svc"
  local exit_rc=$?
  [ "$exit_rc" = 0 ] || notes="${notes:+$notes; }exit $exit_rc after SIGTERM"
  [ "${dup:-0}" -gt 0 ] && notes="${notes:+$notes; }$dup processed twice (rebalance)"
  [ "$coarse" = 1 ] && notes="${notes:+$notes; }coarse: window ${window_s}s, drain rate used"
  awk "BEGIN {exit !($stalled_s >= 0.5)}" && notes="${notes:+$notes; }${stalled_s}s without progress"
  say "  $mode: $rate events/s (drain $drain/s), p50 $p50 ms, p99 $p99 ms, service ${svc_cpu} cores, broker ${brk_cpu} cores, load $load, exit $exit_rc${notes:+ ($notes)}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BROKER" "$w" "$mode" "$rate" "$p50" "$p99" \
    "$drain" "$svc_cpu" "$brk_cpu" "$load" "${notes:--}" >>"$W/results.tsv"
}

# ---- main -----------------------------------------------------------------
echo "command: $CMDLINE"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  load: $(cut -d' ' -f1-3 /proc/loadavg)  host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)" \
  " git: $(git describe --always --dirty 2>/dev/null || echo -)  binary: build-rel/mentionsift ($(sha1sum "$BIN" | cut -c1-12)), rules: ${RULES#$ROOT/}/"
echo "events: $EVENTS (kafka passthrough: x$PT_FACTOR), mean text $LENGTH bytes, input $ENCODING, output protobuf, seeds $SEED.., workers {${WORKERS// /, }}," \
  "latency phase $LAT_RATE events/s for $LAT_SECONDS s, scrape every $INTERVAL s, $REPEAT repeat(s)"
: >"$W/results.tsv"
: >"$W/firehose.tsv"
for BROKER in $BROKERS; do
  say "== $BROKER =="
  if ! start_broker; then
    printf '%s\t-\tbroker did not start\t-\t-\t-\t-\t-\t-\t-\tFAILED\n' "$BROKER" >>"$W/results.tsv"
    continue
  fi
  k_broker=0
  if prepare_topics; then
    for ((r = 1; r <= REPEAT; r++)); do
      for w in $WORKERS; do
        run_one "$w" passthrough
        run_one "$w" classify
      done
    done
  else
    printf '%s\t-\tinput not prepared\t-\t-\t-\t-\t-\t-\t-\tFAILED\n' "$BROKER" >>"$W/results.tsv"
  fi
  stop_broker
done

echo
$REPORT table "$W/results.tsv" "$W/firehose.tsv"
echo
echo "total time: $((SECONDS - T_START)) s, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
grep -q 'FAILED\|exit [1-9]\|timed out\|dead letters\|produce errors\|readyz' "$W/results.tsv" && exit 1
exit 0
