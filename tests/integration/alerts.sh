#!/usr/bin/env bash
# alerts.sh - the Prometheus alerting rules in docker/prometheus/ against
# Prometheus's own tool and against what the service really exports.
#
#   1. promtool check rules: the rules parse and their PromQL is valid;
#   2. promtool test rules (alerts_test.yaml): each alert fires on series
#      that should fire it, with its labels and rendered annotations, and
#      stays quiet on a healthy instance;
#   3. every mentionsift_* metric an alert uses is in the /metrics of a real
#      `mentionsift run` (on the embedded mock cluster), and so is the
#      urgent topic's label value the urgent alert selects: a renamed metric
#      would otherwise leave an alert that can never fire.
# Usage: MS_BIN=build/mentionsift bash tests/integration/alerts.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${MS_BIN:-build/mentionsift}
RULES=docker/prometheus/alerts.yaml
PORT=${MS_ALERTS_HTTP_PORT:-19472}
WORK=$(mktemp -d /tmp/ms-alerts-XXXXXX)
fails=0
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
. tests/integration/lib.sh
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

command -v promtool >/dev/null || { echo "FAIL: promtool not installed (Debian package prometheus)"; exit 1; }
if promtool check rules "$RULES" >"$WORK/check.out" 2>&1; then
  ok "promtool check rules: $(grep -o '[0-9]* rules found' "$WORK/check.out")"
else
  bad "promtool check rules: $(cat "$WORK/check.out")"
fi
if (cd docker/prometheus && promtool test rules alerts_test.yaml) >"$WORK/test.out" 2>&1; then
  ok "promtool test rules: every alert fires where it should and nowhere else"
else
  bad "promtool test rules:"
  sed 's/^/  /' "$WORK/test.out" | head -40
fi
# every alert has a test that expects it to fire
for a in $(grep -o 'alert: [A-Za-z]*' "$RULES" | cut -d' ' -f2); do
  grep -q "alertname: $a\$" docker/prometheus/alerts_test.yaml || bad "alert $a has no test in alerts_test.yaml"
done

ms_start_mock "$BIN" "$WORK/mock.out" 1 || { echo "FAIL: mock cluster did not start"; exit 1; }
cat >"$WORK/c.yaml" <<EOF
kafka:
  bootstrap.servers: "$BOOT"
  group.id: alerts
http:
  listen: "127.0.0.1:$PORT"
log:
  level: warn
EOF
"$BIN" run --config "$WORK/c.yaml" 2>"$WORK/service.log" &
pids+=($!)
for _ in $(seq 100); do
  curl -sf --max-time 2 "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics" 2>/dev/null && break
  sleep 0.1
done
[ -s "$WORK/metrics" ] || { echo "FAIL: no /metrics from the service: $(tail -2 "$WORK/service.log")"; exit 1; }
used=$(grep -o 'mentionsift_[a-z_]*' "$RULES" | sort -u)
missing=""
for m in $used; do
  grep -q "^$m[{ ]" "$WORK/metrics" || missing="$missing $m"
done
if [ -z "$missing" ]; then
  ok "the $(echo "$used" | wc -w) metrics the alerts use are all exported: $(echo $used)"
else
  bad "metrics used by alerts but not exported:$missing"
fi
if grep -q '^mentionsift_events_out_total{topic="[^"]*urgent"}' "$WORK/metrics"; then
  ok "the urgent alert's topic selector matches the service's urgent topic"
else
  bad "no events_out_total series for a topic ending in 'urgent'"
fi
echo "alerts: $fails failed"
[ "$fails" = 0 ]
