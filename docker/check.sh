#!/usr/bin/env bash
# docker/check.sh - build docker/Dockerfile with podman and test the image for real, end to end.
#
#   bash docker/check.sh            (as root, on Debian 12; ~85 s from scratch, ~30 s again)
#
# Phases, each printing PASS/FAIL lines (and INFO for what it found); the exit status is non-zero
# if anything failed (3 when podman cannot run any container on this machine), and the last line
# is "N passed, N failed":
#   prereq   installs what is missing (Debian packages: podman, runc, debootstrap, kcat, curl, java)
#   base     docker.io/library/debian:12 and :12-slim; where absent (no Docker Hub here), builds them
#            from `debootstrap --variant=minbase bookworm` with this host's apt sources and apt
#            Acquire settings (proxy, Check-Valid-Until), so apt inside the build reaches the same
#            mirror. An image that is already there is used as it is.
#   podman   finds the podman flags this machine needs (see SANDBOX below) and prints them
#   build    podman build --format docker (docker format keeps the HEALTHCHECK) from
#            `git archive HEAD` plus the working tree's docker/ (MS_CHECK_SOURCE=worktree: the
#            working tree itself, filtered by docker/Dockerfile.dockerignore)
#   image    HEALTHCHECK and non-root user present, `rules check`, `run --check` with the example
#            config and every MENTIONSIFT_ variable that compose.yaml sets
#   demo     podman run --network=host IMAGE demo: the embedded-Kafka demo must exit 0
#   service  a real Kafka broker (tests/kafka/broker.sh, KRaft, 127.0.0.1:29092), N sample mentions
#            produced to whg.mentions, the service container with --network=host: /readyz and
#            /healthz answer 200, every mention's id comes out on whg.classified.*, nothing on
#            whg.deadletter, `mentionsift tail` decodes every output record to JSON, the
#            image's HEALTHCHECK passes (and fails against a closed port),
#            SIGHUP (`podman kill -s HUP`) reloads the rules in place,
#            `podman stop -t 20` (SIGTERM) ends it with status 0 within the drain limit (15 s),
#            the group's committed offsets cover all input; a second container on the same cache
#            volume loads the Hyperscan databases that the first (user 65534) wrote
#   rules    a rule set mounted read-only on /usr/share/mentionsift/rules is the one used
#
# Environment (all optional):
#   MS_CHECK_DIR=/tmp/mentionsift-docker-check   scratch dir (build context, logs, rootfs)
#   MS_CHECK_IMAGE=localhost/mentionsift:latest  tag to build and test
#   MS_CHECK_SOURCE=head|worktree                what to build (default head, see above)
#   MS_CHECK_KAFKA_PORT=29092                    broker client port (controller: +100, SASL: +300)
#   MS_CHECK_HTTP_PORT=29464                     the service's HTTP port on loopback
#   MS_CHECK_EVENTS=40                           sample mentions to produce
#   MS_PODMAN_FLAGS="..."                        podman run/build flags; skips the probe
#   MS_DEBIAN_MIRROR=http://...                  mirror for debootstrap (default: from apt sources)
#
# SANDBOX: in a Firecracker/gVisor-like sandbox without CAP_SYS_RESOURCE and with hybrid cgroups
# (v1 + an empty v2), crun fails ("cgroups in hybrid mode not supported") and podman's default
# rlimits (nofile/nproc 1048576) cannot be set ("setrlimit RLIMIT_NPROC: Operation not
# permitted"). The probe then settles on
#   --runtime runc --ulimit nofile=<hard nofile>:<same> --ulimit nproc=<min(hard nproc,pid_max)>:<same>
# Storage driver overlay works there as it is (no vfs needed). Podman's timer-driven healthchecks
# need systemd, which such a sandbox lacks ("unable to get systemd connection" on stderr, harmless):
# this script runs the HEALTHCHECK with `podman healthcheck run` instead.
#
# Cleans up what it started (containers ms-check-*, the cache volume, the broker, scratch files)
# on exit, also on failure or Ctrl-C; keeps the images so that a second run builds from cache.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
WORK=${MS_CHECK_DIR:-/tmp/mentionsift-docker-check}
IMAGE=${MS_CHECK_IMAGE:-localhost/mentionsift:latest}
SOURCE=${MS_CHECK_SOURCE:-head}
KPORT=${MS_CHECK_KAFKA_PORT:-29092}
HTTP_PORT=${MS_CHECK_HTTP_PORT:-29464}
NEVENTS=${MS_CHECK_EVENTS:-40}
BASE=docker.io/library/debian
SVC=ms-check-svc
SVC2=ms-check-svc2
VOL=ms-check-hs-cache
GROUP=mentionsift-check
DRAIN_LIMIT=15 # processing.shutdown_timeout_ms (10 s) + 5 s, src/kafka/service.c

export MS_KAFKA_DIR=$WORK/kafka
export MS_KAFKA_PORT=$KPORT
export MS_KAFKA_CONTROLLER_PORT=$((KPORT + 100))
export MS_KAFKA_SASL_PORT=$((KPORT + 300))
BROKER=$REPO/tests/kafka/broker.sh
BOOT=127.0.0.1:$KPORT

npass=0 nfail=0
declare -a TIMES=()
pass() { printf 'PASS %s\n' "$*"; npass=$((npass + 1)); }
fail() { printf 'FAIL %s\n' "$*"; nfail=$((nfail + 1)); }
info() { printf 'INFO %s\n' "$*"; }
check() { # check "description" command...
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
phase_start() { PHASE=$1 PHASE_T0=$(now); printf -- '--- %s\n' "$1"; }
phase_end() { TIMES+=("$(printf '%-8s %6ss' "$PHASE" "$(since "$PHASE_T0")")"); }
# Stop here: the later phases need this one's result.
abort() {
  fail "$*"
  phase_end
  summary
  exit 1
}
# Stop here because this machine cannot run containers at all: exit 3, so
# that a caller (tests/run.sh) can tell "no container runtime here" from a
# broken image.
abort_env() {
  fail "$*"
  phase_end
  summary
  exit 3
}

summary() {
  printf -- '--- timings\n'
  local t
  for t in "${TIMES[@]}"; do printf '  %s\n' "$t"; done
  printf '  %-8s %6ss\n' total "$(since "$T0")"
  printf '%d passed, %d failed\n' "$npass" "$nfail"
}

cleanup() {
  podman rm -f -t 0 "$SVC" "$SVC2" >/dev/null 2>&1 || true
  podman volume rm -f "$VOL" >/dev/null 2>&1 || true
  [[ -x $BROKER ]] && "$BROKER" stop >/dev/null 2>&1 || true
  rm -rf "$WORK/ctx" "$WORK/rootfs" "$WORK/rules-custom" "$WORK/out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$(now)
mkdir -p "$WORK"
LOG=$WORK/logs # kept after the run, for reading
rm -rf "$LOG"
mkdir -p "$LOG"
cleanup # leftovers of an interrupted run (only our own names, dirs and broker)

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT$1"; }

# ---------------------------------------------------------------------------------------------
phase_start prereq
need=()
command -v podman >/dev/null || need+=(podman)
command -v kcat >/dev/null || need+=(kcat)
command -v curl >/dev/null || need+=(curl)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
if ! podman image exists "$BASE:12" || ! podman image exists "$BASE:12-slim"; then
  command -v debootstrap >/dev/null || need+=(debootstrap)
fi
if ((${#need[@]})); then
  if ((EUID != 0)); then abort "prereq: missing ${need[*]} (run as root, or apt-get install them)"; fi
  info "installing ${need[*]}"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >"$LOG/apt.log" 2>&1; then
    tail -n 20 "$LOG/apt.log"
    abort "prereq: apt-get install ${need[*]}"
  fi
fi
pass "prereq: $(podman --version), $(kcat -V 2>/dev/null | head -n 1 | cut -c1-40)"
phase_end

# ---------------------------------------------------------------------------------------------
phase_start base
debian_mirror() {
  [[ -n ${MS_DEBIAN_MIRROR:-} ]] && { echo "$MS_DEBIAN_MIRROR"; return; }
  local m
  m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ { print u; exit }')
  [[ -z $m ]] && m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
  echo "${m:-http://deb.debian.org/debian}"
}
if podman image exists "$BASE:12" && podman image exists "$BASE:12-slim"; then
  pass "base: $BASE:12 and :12-slim present ($(podman image inspect -f '{{index .Labels "org.mentionsift.base"}}' "$BASE:12" 2>/dev/null | grep . || echo 'not built by this script'))"
else
  ((EUID == 0)) || abort "base: debootstrap needs root"
  mirror=$(debian_mirror)
  R=$WORK/rootfs
  rm -rf "$R"
  info "base: debootstrap --variant=minbase bookworm from $mirror (no Docker Hub here)"
  if ! debootstrap --variant=minbase bookworm "$R" "$mirror" >"$LOG/debootstrap.log" 2>&1; then
    tail -n 20 "$LOG/debootstrap.log"
    abort "base: debootstrap"
  fi
  # apt inside the image should see what the host's apt sees: the same Debian sources (deb822 or
  # one-line) and the host's Acquire settings (a proxy; Check-Valid-Until off for a snapshot
  # mirror, whose Release files are past their Valid-Until date).
  copied=0
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    grep -Eq '^(Suites:.*[[:space:]]bookworm|deb[[:space:]].*[[:space:]]bookworm)' "$f" || continue
    grep -Eq 'nodistro|cloud-sdk' "$f" && continue
    mkdir -p "$R$(dirname "$f")"
    cp "$f" "$R$f"
    copied=1
  done
  if ((copied)); then
    [[ -f /etc/apt/sources.list ]] || rm -f "$R/etc/apt/sources.list"
  fi
  for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
    [[ -f $f ]] && grep -Eq 'Acquire::(Check-Valid-Until|Check-Date|https?::|ftp::)' "$f" && cp "$f" "$R$f"
  done
  rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin
  for tag in 12 12-slim; do
    podman image exists "$BASE:$tag" && continue
    if tar -C "$R" -c . | podman import --change 'CMD ["bash"]' \
      --change 'LABEL org.mentionsift.base="debootstrap minbase bookworm, docker/check.sh"' \
      - "$BASE:$tag" >"$LOG/import.log" 2>&1; then
      pass "base: $BASE:$tag imported from debootstrap ($(podman image inspect -f '{{.Size}}' "$BASE:$tag" | numfmt --to=si)B)"
    else
      cat "$LOG/import.log"
      abort "base: podman import $BASE:$tag"
    fi
  done
  rm -rf "$R"
fi
phase_end

# ---------------------------------------------------------------------------------------------
phase_start podman
# The flags this machine needs, from the first candidate that runs a container at all.
if [[ -n ${MS_PODMAN_FLAGS+x} ]]; then
  read -ra PF <<<"$MS_PODMAN_FLAGS"
  podman run --rm "${PF[@]}" "$BASE:12" true >"$LOG/probe.log" 2>&1 ||
    { cat "$LOG/probe.log"; abort_env "podman: MS_PODMAN_FLAGS='$MS_PODMAN_FLAGS' cannot run a container"; }
else
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  pidmax=$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 32768)
  [[ $nofile == unlimited ]] && nofile=1048576
  [[ $nproc == unlimited ]] && nproc=$pidmax
  ((nproc > pidmax)) && nproc=$pidmax
  UL="--ulimit nofile=$nofile:$nofile --ulimit nproc=$nproc:$nproc"
  probe() {
    for cand in "" "$UL" "--runtime runc" "--runtime runc $UL"; do
      [[ $cand == *runc* ]] && ! command -v runc >/dev/null && continue
      read -ra PF <<<"$cand"
      if podman run --rm "${PF[@]}" "$BASE:12" true >>"$LOG/probe.log" 2>&1; then return 0; fi
    done
    return 1
  }
  : >"$LOG/probe.log"
  if ! probe; then
    if ! command -v runc >/dev/null && ((EUID == 0)); then
      info "podman: no flags work with crun; installing runc"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq runc >>"$LOG/apt.log" 2>&1
    fi
    probe || { tail -n 5 "$LOG/probe.log"; abort_env "podman: cannot run a container with any of the known flag sets"; }
  fi
  grep -q . "$LOG/probe.log" && info "podman: without flags: $(grep -m1 -o 'Error: .*' "$LOG/probe.log")"
fi
pass "podman: runs containers with flags: '${PF[*]:-}'"
phase_end

# ---------------------------------------------------------------------------------------------
phase_start build
if [[ $SOURCE == worktree ]]; then
  CTX=$REPO
  info "build: context = working tree $REPO (filtered by docker/Dockerfile.dockerignore)"
else
  CTX=$WORK/ctx
  rm -rf "$CTX"
  mkdir -p "$CTX"
  git -C "$REPO" archive HEAD | tar -x -C "$CTX" || abort "build: git archive HEAD"
  rm -rf "$CTX/docker"
  cp -a "$HERE" "$CTX/docker"
  info "build: context = git archive HEAD ($(git -C "$REPO" rev-parse --short HEAD)) + working tree docker/"
fi
# -f with an absolute path: buildah 1.28 finds <Dockerfile>.dockerignore only then.
if podman build --format docker --network=host "${PF[@]}" -f "$CTX/docker/Dockerfile" -t "$IMAGE" "$CTX" >"$LOG/build.log" 2>&1; then
  pass "build: $IMAGE ($(podman image inspect -f '{{.Size}}' "$IMAGE" | numfmt --to=si)B, $(grep -c -- '--> Using cache' "$LOG/build.log") cached steps)"
else
  tail -n 30 "$LOG/build.log"
  abort "build: podman build (log: $LOG/build.log)"
fi
phase_end

RUN=(podman run --rm "${PF[@]}" --network=host)

# ---------------------------------------------------------------------------------------------
phase_start image
hc=$(podman image inspect -f '{{.HealthCheck}}' "$IMAGE" 2>/dev/null)
check "image: HEALTHCHECK kept: $hc" grep -q healthcheck.sh <<<"$hc"
user=$(podman image inspect -f '{{.User}}' "$IMAGE")
check "image: runs as non-root user '$user'" test "${user%%:*}" = 65534
out=$("${RUN[@]}" --no-healthcheck "$IMAGE" rules check 2>&1)
check "image: 'rules check' on the built-in rules dir: $(head -n 1 <<<"$out")" grep -q '^rules check: /usr/share/mentionsift/rules: OK' <<<"$out"
# Every MENTIONSIFT_ variable that compose.yaml sets must be one that config.c accepts.
envs=()
while read -r kv; do envs+=(-e "$kv"); done < <(sed -n 's/^ *\(MENTIONSIFT_[A-Z0-9_]*\): *\(.*\)$/\1=\2/p' "$HERE/compose.yaml")
if "${RUN[@]}" --no-healthcheck "${envs[@]}" "$IMAGE" run --config /etc/mentionsift/mentionsift.yaml --check >"$LOG/run-check.log" 2>&1; then
  pass "image: 'run --check' accepts the example config + compose.yaml's env (${envs[*]:-none})"
else
  cat "$LOG/run-check.log"
  fail "image: 'run --check' with compose.yaml's env"
fi
phase_end

# ---------------------------------------------------------------------------------------------
phase_start demo
t=$(now)
if "${RUN[@]}" --no-healthcheck "$IMAGE" demo >"$LOG/demo.out" 2>"$LOG/demo.err"; then
  pass "demo: exit 0 in $(since "$t") s: $(grep -m1 '^replayed' "$LOG/demo.out" | cut -c1-60)..."
else
  tail -n 20 "$LOG/demo.out" "$LOG/demo.err"
  fail "demo: non-zero exit"
fi
n=$(sed -n 's/.*in \([0-9]*\)  classified \([0-9]*\) .*/\1 \2/p' "$LOG/demo.out" | tail -n 1)
check "demo: every replayed mention classified (in/classified: ${n:-none})" awk -v s="$n" 'BEGIN { split(s, a, " "); exit !(a[1] > 0 && a[1] == a[2]) }'
phase_end

# ---------------------------------------------------------------------------------------------
phase_start service
for p in "$KPORT" $((KPORT + 100)) "$HTTP_PORT" $((HTTP_PORT + 1)); do
  port_free "$p" || abort "service: port 127.0.0.1:$p is in use"
done
# broker.sh can report "node 1 exited during start-up" for a JVM that is starting: its first
# liveness probe may read /proc/<pid>/cmdline between fork and exec (still broker.sh's own
# command line). So: one retry, announced, after a stop that also ends such a JVM.
broker_start() {
  "$BROKER" start 1 >"$LOG/broker.out" 2>"$LOG/broker.err" && return 0
  cat "$MS_KAFKA_DIR"/node1/server.log >"$LOG/broker-failed-server.log" 2>/dev/null
  "$BROKER" stop >>"$LOG/broker.err" 2>&1
  return 1
}
if ! broker_start; then
  info "service: broker.sh start failed ($(grep -m1 -o 'node 1 exited.*\|timed out.*\|error: .*' "$LOG/broker.err")); retrying once"
  cp "$LOG/broker.err" "$LOG/broker-failed.err"
  if ! broker_start; then
    tail -n 20 "$LOG/broker.err"
    abort "service: tests/kafka/broker.sh start (twice)"
  fi
fi
pass "service: Kafka broker up at $(cat "$LOG/broker.out") ($(grep -o 'ready in [0-9]* s' "$LOG/broker.err"))"
SAMPLE=$REPO/bench/data/sample-mentions.jsonl
head -n "$NEVENTS" "$SAMPLE" | kcat -P -b "$BOOT" -t whg.mentions 2>"$LOG/produce.err" ||
  abort "service: kcat produce"
mapfile -t IDS < <(head -n "$NEVENTS" "$SAMPLE" | sed -n 's/^{"id": *"\([^"]*\)".*/\1/p')
((${#IDS[@]} == NEVENTS)) || abort "service: could not read $NEVENTS ids from $SAMPLE"
pass "service: produced $NEVENTS mentions to whg.mentions"

podman volume create "$VOL" >/dev/null
podman run -d --name "$SVC" "${PF[@]}" --network=host \
  -e MENTIONSIFT_KAFKA_BOOTSTRAP_SERVERS="$BOOT" -e MENTIONSIFT_KAFKA_GROUP_ID="$GROUP" \
  -e MENTIONSIFT_HTTP_LISTEN="127.0.0.1:$HTTP_PORT" -v "$VOL:/var/cache/mentionsift" \
  "$IMAGE" >"$LOG/svc.id" 2>"$LOG/svc.run.err" || { cat "$LOG/svc.run.err"; abort "service: podman run"; }
running() { [[ $(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null) == true ]]; }
# Ready means the default rule set compiled into the empty cache volume: about
# 20 s on a quiet machine, several times that on a busy one.
t=$(now) ready=0
while (($(awk -v s="$(since "$t")" 'BEGIN { print (s < 180) }'))); do
  running "$SVC" || break
  [[ $(http_code /readyz) == 200 ]] && { ready=1; break; }
  sleep 0.5
done
if ((ready)); then pass "service: /readyz 200 after $(since "$t") s"; else
  podman logs "$SVC" 2>&1 | tail -n 20
  abort "service: /readyz not 200 within 180 s"
fi
check "service: /healthz 200" test "$(http_code /healthz)" = 200

# Every mention comes out on a whg.classified.* topic (the primary category's; protobuf, the
# default output encoding, carries the id as a plain string).
mkdir -p "$WORK/out"
t=$(now) missing=("${IDS[@]}")
while ((${#missing[@]})) && (($(awk -v s="$(since "$t")" 'BEGIN { print (s < 60) }'))); do
  : >"$WORK/out/classified"
  for topic in $(kcat -b "$BOOT" -L 2>/dev/null | sed -n 's/^ *topic "\(whg\.classified\.[^"]*\)".*/\1/p'); do
    kcat -C -b "$BOOT" -t "$topic" -o beginning -e -q -f '%s\n' >>"$WORK/out/classified" 2>/dev/null
  done
  left=()
  for id in "${missing[@]}"; do grep -aqF -- "$id" "$WORK/out/classified" || left+=("$id"); done
  missing=("${left[@]}")
  ((${#missing[@]})) && sleep 1
done
if ((${#missing[@]} == 0)); then
  pass "service: all $NEVENTS ids on whg.classified.* ($(wc -c <"$WORK/out/classified") bytes of protobuf) in $(since "$t") s"
else
  fail "service: ${#missing[@]} of $NEVENTS ids never reached whg.classified.* (e.g. ${missing[0]})"
fi
# The image's `mentionsift tail` reads the protobuf back as JSON: one object per record, each with
# its primary category, every id among them.
topics=$(kcat -b "$BOOT" -L 2>/dev/null | sed -n 's/^ *topic "\(whg\.classified\.[^"]*\)".*/\1/p')
# shellcheck disable=SC2086  # one argument per topic
"${RUN[@]}" --no-healthcheck "$IMAGE" tail -b "$BOOT" -o beginning -e $topics >"$WORK/out/tail.jsonl" 2>"$LOG/tail.err"
out=$(python3 - "$WORK/out/tail.jsonl" "${IDS[@]}" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ids = {r["mention"]["id"] for r in recs if "primary" in r and r["primary"]}
missing = [i for i in sys.argv[2:] if i not in ids]
print(f"{len(recs)} records, {len(missing)} ids missing")
EOF
)
check "service: 'mentionsift tail' in the image decodes the protobuf output: $out" grep -q ' 0 ids missing$' <<<"$out"
metrics=$(curl -s -m 3 "http://127.0.0.1:$HTTP_PORT/metrics")
in_total=$(awk '$1 == "mentionsift_events_in_total" { print $2 }' <<<"$metrics")
check "service: /metrics mentionsift_events_in_total = ${in_total:-none} (want $NEVENTS)" test "${in_total:-0}" = "$NEVENTS"
dl=$(kcat -C -b "$BOOT" -t whg.deadletter -o beginning -e -q 2>/dev/null | wc -l)
check "service: nothing on whg.deadletter ($dl)" test "$dl" = 0

if podman healthcheck run "$SVC" >"$LOG/hc.out" 2>&1; then
  pass "service: the image's HEALTHCHECK passes (podman healthcheck run)"
else
  fail "service: the image's HEALTHCHECK fails: $(grep -v systemd "$LOG/hc.out" | tr '\n' ' ')"
fi
if podman exec "$SVC" bash /usr/share/mentionsift/healthcheck.sh "127.0.0.1:$((HTTP_PORT + 1))" >/dev/null 2>&1; then
  fail "service: healthcheck.sh passes against a closed port"
else
  pass "service: healthcheck.sh fails against a closed port"
fi
out=$(podman exec "$SVC" sh -c 'touch /var/cache/mentionsift/.w && rm /var/cache/mentionsift/.w && ls /var/cache/mentionsift | grep -c hsdb' 2>&1)
check "service: user 65534 writes the cache volume ($out Hyperscan databases)" test "${out:-0}" -gt 0 2>/dev/null

# SIGHUP reaches the service as the container's PID 1 and reloads the rules in place.
podman kill -s HUP "$SVC" >/dev/null 2>&1
t=$(now) reloaded=0
while (($(awk -v s="$(since "$t")" 'BEGIN { print (s < 30) }'))); do
  podman logs "$SVC" 2>&1 | grep '"msg":"rule set unchanged"' >/dev/null && { reloaded=1; break; }
  sleep 0.5
done
check "service: SIGHUP (podman kill -s HUP) reloads the rule set without a restart" \
  test "$reloaded" = 1 -a "$(running "$SVC" && echo up)" = up

t=$(now)
podman stop -t 20 "$SVC" >/dev/null 2>&1
dt=$(since "$t")
rc=$(podman inspect -f '{{.State.ExitCode}}' "$SVC")
podman logs "$SVC" >"$LOG/svc.log" 2>&1
check "service: SIGTERM (podman stop -t 20): exit status $rc after $dt s (limit $DRAIN_LIMIT s)" \
  awk -v rc="$rc" -v dt="$dt" -v lim="$DRAIN_LIMIT" 'BEGIN { exit !(rc == 0 && dt <= lim) }'
check "service: log says the service stopped cleanly" grep -q '"component":"service","msg":"stopped"' "$LOG/svc.log"
# Offsets committed on the way out: the group's committed offsets add up to the input.
"$BROKER" tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$BOOT" \
  --describe --group "$GROUP" >"$LOG/group.out" 2>"$LOG/group.err"
read -r committed lag < <(awk '$1 == g && $2 == "whg.mentions" { c += $4; l += ($6 == "-" ? 1e9 : $6) } END { print c + 0, l + 0 }' g="$GROUP" "$LOG/group.out")
check "service: group $GROUP committed $committed of $NEVENTS offsets, lag $lag" test "$committed:$lag" = "$NEVENTS:0"

# A second container on the same volume loads the databases the first one compiled.
podman run -d --name "$SVC2" "${PF[@]}" --network=host \
  -e MENTIONSIFT_KAFKA_BOOTSTRAP_SERVERS="$BOOT" -e MENTIONSIFT_KAFKA_GROUP_ID="$GROUP" \
  -e MENTIONSIFT_HTTP_LISTEN="127.0.0.1:$HTTP_PORT" -v "$VOL:/var/cache/mentionsift" \
  "$IMAGE" >/dev/null 2>>"$LOG/svc.run.err"
t=$(now) line=
while [[ -z $line ]] && (($(awk -v s="$(since "$t")" 'BEGIN { print (s < 30) }'))); do
  line=$(podman logs "$SVC2" 2>&1 | grep -m1 '"msg":"rule set loaded"')
  [[ -z $line ]] && sleep 0.3
done
check "service: restart on the same cache volume loads from cache (${line:+$(grep -o '"from_cache":"[a-z]*"' <<<"$line")})" grep -q '"from_cache":"true"' <<<"$line"
podman stop -t 20 "$SVC2" >/dev/null 2>&1
rc=$(podman inspect -f '{{.State.ExitCode}}' "$SVC2")
check "service: second container stops with status $rc" test "$rc" = 0
podman rm -f "$SVC" "$SVC2" >/dev/null 2>&1
"$BROKER" stop >/dev/null 2>&1 || true
phase_end

# ---------------------------------------------------------------------------------------------
phase_start rules
# A rule set of one's own, mounted read-only: one extra advertising phrase must decide.
SRC_RULES=$REPO/rules
[[ $SOURCE != worktree ]] && SRC_RULES=$WORK/ctx/rules
rm -rf "$WORK/rules-custom"
cp -r "$SRC_RULES" "$WORK/rules-custom"
echo "zorblax widgets" >>"$WORK/rules-custom/lists/advertising.txt"
M='{"id":"chk-1","platform":"facebook","kind":"public_comment","text":"great deals on zorblax widgets"}'
base=$(echo "$M" | "${RUN[@]}" -i --no-healthcheck "$IMAGE" classify 2>/dev/null | grep -o '"primary":"[a-z_]*"')
mine=$(echo "$M" | "${RUN[@]}" -i --no-healthcheck -v "$WORK/rules-custom:/usr/share/mentionsift/rules:ro" \
  -v "$VOL:/var/cache/mentionsift" "$IMAGE" classify 2>/dev/null | grep -o '"primary":"[a-z_]*"')
check "rules: built-in rules: $base; mounted rules: $mine" test "$mine" = '"primary":"advertising"' -a "$base" != "$mine"
out=$("${RUN[@]}" --no-healthcheck -v "$WORK/rules-custom:/usr/share/mentionsift/rules:ro" "$IMAGE" rules check 2>&1 | head -n 2 | tr -s ' \n' ' ')
check "rules: 'rules check' on the mounted dir: $out" grep -q 'rules: OK' <<<"$out"
phase_end

summary
((nfail == 0))
