#!/usr/bin/env bash
# soak.sh - resident memory of the service under a steady stream.
#
#   bash bench/soak.sh [MINUTES] [RATE]      # default 10 minutes at 2000 events/s
#
# Starts the embedded Kafka cluster (`mentionsift mock-cluster`), the service
# (2 workers, Release build in build-rel/) and the firehose at a steady rate,
# and samples the service's VmRSS every 10 s. After a one-minute warm-up the
# curve should be flat: it prints the samples, the first and last
# post-warm-up values and their ratio. The mock keeps at most 100,000
# messages per partition; the service consumes while the firehose produces,
# so nothing it has not read is trimmed.
set -uo pipefail
cd "$(dirname "$0")/.."
MIN=${1:-10}
RATE=${2:-2000}
BIN=${MS_BIN:-build-rel/mentionsift}
[ -x "$BIN" ] || { cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null && ninja -C build-rel mentionsift >/dev/null; } || exit 1
WORK=$(mktemp -d /tmp/ms-soak-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done; sleep 1; rm -rf "$WORK"' EXIT
"$BIN" mock-cluster 3 >"$WORK/boot" 2>/dev/null & pids+=($!)
for _ in $(seq 50); do [ -s "$WORK/boot" ] && break; sleep 0.1; done
BOOT=$(head -1 "$WORK/boot")
cat >"$WORK/soak.yaml" <<EOF2
kafka:
  bootstrap.servers: "$BOOT"
  group.id: soak
workers: 2
http:
  listen: "off"
log:
  level: warn
EOF2
"$BIN" run --config "$WORK/soak.yaml" 2>"$WORK/service.log" & svc=$!; pids+=($svc)
N=$((MIN * 60 * RATE))
"$BIN" firehose -b "$BOOT" -t whg.mentions -n "$N" -r "$RATE" -l 200 -s 5 2>"$WORK/fh.log" & fh=$!; pids+=($fh)
echo "soak: $MIN min at $RATE events/s ($N events), mock cluster $BOOT"
echo "  t(s)   VmRSS(kB)"
start=$SECONDS first=""
while kill -0 "$fh" 2>/dev/null; do
  sleep 10
  rss=$(awk '/VmRSS/ {print $2}' /proc/$svc/status 2>/dev/null)
  [ -n "$rss" ] || { echo "soak: the service died"; tail -5 "$WORK/service.log"; exit 1; }
  t=$((SECONDS - start))
  printf "  %5d  %9d\n" "$t" "$rss"
  if [ $t -ge 60 ] && [ -z "$first" ]; then first=$rss; fi
  last=$rss
done
echo "after warm-up: start ${first} kB, end ${last} kB, ratio $(awk -v a="$first" -v b="$last" 'BEGIN{printf "%.3f", b/a}')"
tail -1 "$WORK/fh.log"
