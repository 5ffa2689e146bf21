#!/usr/bin/env bash
# alerts.sh - the monitoring that ships in docker/ (Prometheus alerting
# rules and config, the Grafana dashboard) against Prometheus's own tool and
# against what the service really exports.
#
#   1. promtool check rules: the rules parse and their PromQL is valid;
#   2. promtool test rules (alerts_test.yaml): each alert fires on series
#      that should fire it, with its labels and rendered annotations, and
#      stays quiet on a healthy instance;
#   3. every mentionsift_* metric an alert uses is in the /metrics of a real
#      `mentionsift run` (on the embedded mock cluster), and so is the
#      urgent topic's label value the urgent alert selects: a renamed metric
#      would otherwise leave an alert that can never fire;
#   4. promtool check config on docker/prometheus/prometheus.yml (it loads
#      the alerting rules too);
#   5. the Grafana dashboard (docker/grafana/dashboards/mentionsift.json):
#      every panel query is valid PromQL (promtool check rules on them as
#      recording rules) and selects only metrics and label values the
#      running service exports, through the data source uid the
#      provisioning defines; panel ids are unique; the alerts it names
#      exist; compose.yaml mounts it where the provisioning looks.
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
  [ -n "${MS_KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
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
# the endpoint answers from before the rule set loads; every series the
# alerts and the dashboard read is there once the workers report rule hits
# (seconds from the cache that `rules check` wrote; minutes to compile cold
# under the sanitizers)
for _ in $(seq 3000); do
  curl -sf --max-time 2 "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics" 2>/dev/null &&
    grep -q '^mentionsift_rule_hits_total{' "$WORK/metrics" && break
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
# ---- Prometheus config and the Grafana dashboard ------------------------------------
if promtool check config docker/prometheus/prometheus.yml >"$WORK/config.out" 2>&1; then
  ok "promtool check config: docker/prometheus/prometheus.yml (with its rule files)"
else
  bad "promtool check config: $(cat "$WORK/config.out")"
fi
DASH=docker/grafana/dashboards/mentionsift.json
if python3 - "$DASH" "$WORK" <<'EOF'
import json, re, sys
dash, work = sys.argv[1], sys.argv[2]
d = json.load(open(dash))
problems = []
uid = re.search(r"uid: *(\S+)", open("docker/grafana/provisioning/datasources/prometheus.yaml").read()).group(1)
ids = [p["id"] for p in d["panels"]]
if len(ids) != len(set(ids)):
    problems.append(f"panel ids repeat: {ids}")
exprs = []
for p in d["panels"]:
    if p["type"] == "row":
        continue
    if p.get("datasource", {}).get("uid") != uid:
        problems.append(f"panel {p['title']!r}: data source {p.get('datasource')} is not {uid}")
    if not p.get("targets"):
        problems.append(f"panel {p['title']!r} has no query")
    for t in p.get("targets", []):
        if t.get("datasource", {}).get("uid") != uid:
            problems.append(f"panel {p['title']!r} query {t['refId']}: data source is not {uid}")
        exprs.append((p["id"], t["refId"], t["expr"]))
alerts = set(re.findall(r"alert: (\w+)", open("docker/prometheus/alerts.yaml").read()))
for name in set(re.findall(r"Mentionsift\w+", json.dumps(d))):
    if name not in alerts:
        problems.append(f"the dashboard names alert {name}, which alerts.yaml does not have")
compose = open("docker/compose.yaml").read()
provider = re.search(r"path: *(\S+)", open("docker/grafana/provisioning/dashboards/mentionsift.yaml").read()).group(1)
if f"./grafana/dashboards:{provider}" not in compose:
    problems.append(f"compose.yaml does not mount ./grafana/dashboards at {provider}")
with open(f"{work}/dash_rules.yaml", "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for pid, ref, e in exprs:
        f.write(f"      - record: dashboard:panel{pid}:{ref}\n        expr: {json.dumps(e)}\n")
with open(f"{work}/dash_exprs.txt", "w") as f:
    f.write("\n".join(e for _, _, e in exprs) + "\n")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
EOF
then ok "dashboard: panel ids unique, one data source for its $(grep -c '"expr"' "$DASH") queries, the alerts it names exist, compose mounts it where Grafana looks"
else bad "dashboard $DASH: see above"; fi
if promtool check rules "$WORK/dash_rules.yaml" >"$WORK/dash_check.out" 2>&1; then
  ok "dashboard: every query is valid PromQL ($(grep -o '[0-9]* rules found' "$WORK/dash_check.out"))"
else
  bad "dashboard queries: $(cat "$WORK/dash_check.out")"
fi
missing=""
for m in $(grep -o 'mentionsift_[a-z_]*' "$WORK/dash_exprs.txt" | sort -u); do
  grep -q "^$m[{ ]" "$WORK/metrics" || missing="$missing $m"
done
for sel in 'mentionsift_labels_total{category="complaint"}' 'mentionsift_labels_total{category="repair"}' \
           'mentionsift_events_out_total{topic="[^"]*urgent"}' 'mentionsift_removal_total{removal="review"}'; do
  grep -q "^$sel" "$WORK/metrics" || missing="$missing $sel"
done
if [ -z "$missing" ]; then
  ok "dashboard: every metric and label value its queries select is exported ($(grep -o 'mentionsift_[a-z_]*' "$WORK/dash_exprs.txt" | sort -u | wc -l) metrics)"
else
  bad "dashboard selects what the service does not export:$missing"
fi
echo "alerts: $fails failed"
[ "$fails" = 0 ]
