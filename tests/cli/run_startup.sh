#!/usr/bin/env bash
# tests/cli/run_startup.sh - `mentionsift run` while its rule set loads, as a
# container orchestrator sees it: the HTTP endpoint answers from before the
# load (a cold compile takes tens of seconds, and a liveness probe that gets
# no answer restarts the container, which compiles again), /healthz is 200,
# /readyz is 503 naming the rule set, and /metrics gives no version until the
# load ends. The load is held open, with no timing guess, by making the rule
# set's ruleset.yaml a named pipe that this script writes only after probing.
# No broker is needed: the service then waits for one, and SIGTERM stops it.
# Usage: run_startup.sh PATH/TO/mentionsift
. "$(dirname "$0")/testlib.bash" run_startup "$@"

one_rule_set "$WORK/rules"
mkfifo "$WORK/rules/ruleset.yaml"
cat > "$WORK/cfg.yaml" <<YAML
kafka:
  bootstrap.servers: 127.0.0.1:9
rules: $WORK/rules
workers: 1
http:
  listen: "127.0.0.1:0"
processing:
  shutdown_timeout_ms: 5000
YAML
export MENTIONSIFT_CACHE_DIR=$WORK/cache
"$BIN" run --config "$WORK/cfg.yaml" 2>"$WORK/svc.log" &
pid=$!
# the pipe's writer, should the service never open it: no hang
trap 'kill -9 $pid 2>/dev/null; rm -rf "$WORK"' EXIT

port=
for _ in $(seq 300); do
  port=$(sed -n 's/.*"msg":"metrics endpoint listening".*"port":"\([0-9]*\)".*/\1/p' "$WORK/svc.log")
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
get() { curl -s -m 5 -o "$WORK/body" -w '%{http_code}' "http://127.0.0.1:$port$1"; }
if [ -z "$port" ]; then
  bad "no 'metrics endpoint listening' line: $(cat "$WORK/svc.log")"
else
  grep -q '"msg":"rule set loaded"' "$WORK/svc.log" && bad "the rule set loaded without its ruleset.yaml"
  code=$(get /healthz)
  if [ "$code" = 200 ] && grep -qx ok "$WORK/body"; then
    ok "/healthz 200 while the rule set loads"
  else bad "/healthz while loading: $code $(cat "$WORK/body")"; fi
  code=$(get /readyz)
  if [ "$code" = 503 ] && grep -q 'loading the rule set' "$WORK/body"; then
    ok "/readyz 503 naming the rule set load"
  else bad "/readyz while loading: $code $(cat "$WORK/body")"; fi
  code=$(get /metrics)
  if [ "$code" = 200 ] && ! grep -q mentionsift_ruleset_info "$WORK/body" &&
     grep -q '^mentionsift_ready 0$' "$WORK/body"; then
    ok "/metrics answers, without a rule-set version and not ready"
  else bad "/metrics while loading: $code"; fi

  timeout 30 bash -c "printf 'name: startup-test\nfiles: [house-rules.yaml]\n' > '$WORK/rules/ruleset.yaml'"
  for _ in $(seq 300); do
    grep -q '"msg":"rule set loaded"' "$WORK/svc.log" && break
    sleep 0.1
  done
  code=$(get /readyz)
  if grep -q '"msg":"rule set loaded"' "$WORK/svc.log" && [ "$code" = 503 ] &&
     grep -q 'partition assignment' "$WORK/body"; then
    ok "loaded: /readyz now waits for partitions (there is no broker)"
  else bad "after the load: /readyz $code $(cat "$WORK/body"); log: $(tail -3 "$WORK/svc.log")"; fi
  code=$(get /metrics)
  if grep -q '^mentionsift_ruleset_info{version="[0-9a-f]*"} 1$' "$WORK/body"; then
    ok "/metrics gives the loaded version"
  else bad "/metrics after the load has no version line"; fi
fi

kill -TERM $pid 2>/dev/null
rc=
for _ in $(seq 300); do
  kill -0 $pid 2>/dev/null || { wait $pid; rc=$?; break; }
  sleep 0.1
done
if [ "$rc" = 0 ]; then ok "SIGTERM: exit 0"
else bad "SIGTERM: exit '${rc:-still running after 30 s}': $(tail -3 "$WORK/svc.log")"; fi

echo "run start-up: $fails failure(s)"
[ $fails = 0 ]
