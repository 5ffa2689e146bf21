# lib.sh - helpers the integration scripts (and bench/eos_outage.sh) share.
# Source it after `cd` to the repository root; it defines functions only.

# ms_start_mock BIN OUT_FILE [mock-cluster args...]: start `BIN mock-cluster`
# in the background, its pid appended to the caller's `pids` array (so call
# it directly, not in $(...)), wait up to 5 s for its bootstrap line and set
# BOOT to it; status 1 when it did not start. stderr goes to OUT_FILE.err.
ms_start_mock() {
  local bin=$1 out=$2
  shift 2
  "$bin" mock-cluster "$@" >"$out" 2>"$out.err" &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
  BOOT=$(head -1 "$out")
  [ -n "$BOOT" ]
}

# ms_metric PORT NAME: the sum of a metric's samples on 127.0.0.1:PORT,
# 0 when it is absent or the endpoint does not answer.
ms_metric() {
  curl -s --max-time 2 "http://127.0.0.1:$1/metrics" 2>/dev/null |
    awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $2 } END { print s + 0 }'
}
