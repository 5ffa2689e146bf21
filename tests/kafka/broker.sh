#!/usr/bin/env bash
# tests/kafka/broker.sh - a REAL Apache Kafka cluster (1 or 3 nodes) on loopback for mentionsift's tests.
#
# Usage:
#   broker.sh fetch              download the broker jars once (Maven Central) into tests/kafka/.cache
#   broker.sh start [N]          start N KRaft nodes (1 or 3; 2 also works; default 1), wait until they
#                                answer, print the bootstrap string on stdout
#   broker.sh stop               stop every node (TERM, bounded wait, KILL) and delete the run dir; idempotent
#   broker.sh bootstrap          print the bootstrap string of the running cluster
#   broker.sh status             one line per node: "node <i> <host:port> pid <pid> up|paused|down"
#   broker.sh kill    <i>        SIGKILL node i (i = 1..N)                                  \
#   broker.sh pause   <i>        SIGSTOP node i (the process freezes, sockets stay open)     |  fault
#   broker.sh resume  <i>        SIGCONT node i                                               |  helpers
#   broker.sh restart <i>        stop node i if alive (TERM), start it again with the same config and
#                                data, wait until it is registered in the cluster again     /
#   broker.sh create-topic <name> [partitions [rf [--config k=v ...]]]   create a topic (default 3
#                                partitions, rf = N); further arguments go to Kafka's TopicCommand
#   broker.sh sasl-bootstrap     print the SASL_PLAINTEXT bootstrap string (secure mode only)
#   broker.sh tool <class> [args]  run a Kafka command-line class from the cache with quiet logging, e.g.
#                                broker.sh tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
#                                  --bootstrap-server "$(broker.sh bootstrap)" --describe --all-groups
#
# Environment (all optional):
#   MS_KAFKA_DIR=/tmp/mentionsift-kafka  run dir (configs, data, logs, pids); deleted by stop
#   MS_KAFKA_KEEP_DIR=1                  stop keeps the run dir (for reading logs after a failure)
#   MS_KAFKA_CACHE=tests/kafka/.cache    jars + private Maven repo
#   MS_KAFKA_PORT=19092                  client port of node 1 (node i: +i-1)
#   MS_KAFKA_CONTROLLER_PORT=19192       controller port of node 1 (node i: +i-1)
#   MS_KAFKA_START_TIMEOUT=90            seconds to wait for start/restart readiness
#   MS_KAFKA_STOP_TIMEOUT=30             seconds between TERM and KILL
#   MS_KAFKA_HEAP_OPTS="-Xms256m -Xmx512m"   per-node heap
#   MS_KAFKA_JVM_OPTS=...                other JVM flags (default: Kafka's own G1 flags)
#   MS_KAFKA_EXTRA_PROPS=$'k=v\nk2=v2'   extra server.properties lines (later lines win)
#   MS_KAFKA_VERSION=4.1.2               Kafka version to fetch/run (keep in step with pom.xml)
#   MS_KAFKA_SCRAM_USERS="svc:pw,x:y"    secure mode: each node also listens for SASL_PLAINTEXT with
#                                        SCRAM-SHA-512, these users' credentials are written at format
#                                        time, and ACLs are enforced (StandardAuthorizer, nothing allowed
#                                        without an ACL). The PLAINTEXT port stays open to the harness as
#                                        User:ANONYMOUS, a super user, to create topics, set ACLs and read
#                                        everything back.
#   MS_KAFKA_SASL_PORT=19392             SASL port of node 1 in secure mode (node i: +i-1)
#   JAVA_HOME                            java to use (17+); else `java` from PATH
#
# Design
# ------
# * No docker and no tarball from a download site: the only reachable sources are package
#   registries, so the broker comes from Maven Central. tests/kafka/pom.xml lists
#   org.apache.kafka:kafka_2.13 (plus kafka-tools and the log4j2 slf4j binding) and
#   `mvn dependency:copy-dependencies` copies it and its runtime dependencies (53 jars, 44 MB)
#   into tests/kafka/.cache/jars. Maven's local repository is kept in the cache too
#   (tests/kafka/.cache/m2, -Dmaven.repo.local), so the whole thing is self-contained, git-ignored
#   and leaves ~/.m2 alone. A second `fetch` (and `start`, which fetches when needed) downloads
#   nothing: it sees the jars/.fetched stamp for the same version and returns at once.
# * The broker runs as plain `java -cp ".cache/jars/*" kafka.Kafka server.properties`, the main class
#   that bin/kafka-server-start.sh uses; storage is formatted with kafka.tools.StorageTool (what
#   bin/kafka-storage.sh runs). Each node is a combined broker+controller (KRaft,
#   process.roles=broker,controller, no ZooKeeper) with a static voter set (controller.quorum.voters).
# * Kafka version 4.1.2. Kafka 4.0 removed old protocol versions (KIP-896) and the project's client is
#   Debian 12's librdkafka 2.0.2 (kcat 1.7.1 is built on it). librdkafka picks request versions from
#   the broker's ApiVersions answer, and for every API it uses 2.0.2 supports a version at or above
#   the 4.x minimum (e.g. Fetch 4..18, OffsetCommit 2..9, ListOffsets 1..10 are accepted; Produce is
#   still 0..13). Verified against 4.1.2 with 1 and 3 nodes: produce (acks=all), consume, consumer
#   groups with commits and a 2-member rebalance (kcat -G, classic protocol), and a C program on
#   librdkafka 2.0.2 doing init_transactions/begin/produce/send_offsets_to_transaction/commit and
#   abort, read back with isolation.level=read_committed. So no fallback to 3.9.x is needed (it
#   would be: kafka.version 3.9.1 in pom.xml, log4j2 binding swapped for slf4j-reload4j, and
#   TopicCommand is kafka-tools' org.apache.kafka.tools.TopicCommand there too). See README.md.
# * Everything of a cluster lives in one run dir, $MS_KAFKA_DIR: per node node<i>/server.properties,
#   node<i>/data, node<i>/server.log, node<i>/pid; plus size, bootstrap, cluster-id, log4j2.properties.
#   `stop` deletes it, so every `start` is a fresh, empty cluster (new cluster id).
# * Addresses: loopback only. Node i (1-based) serves clients on 127.0.0.1:19091+i (19092, 19093,
#   19094) and the controller quorum on 127.0.0.1:19191+i (19192, 19193, 19194). Start refuses to
#   run if one of those ports is already taken.
# * Test-friendly settings: replication factor of auto-created topics and of the internal topics
#   (__consumer_offsets, __transaction_state) = N; min.insync.replicas and
#   transaction.state.log.min.isr = 2 with 3 nodes, else 1 (so one of 3 nodes may be down and
#   acks=all / transactions still work); auto.create.topics.enable=true, num.partitions=3,
#   group.initial.rebalance.delay.ms=0, 6 partitions (not 50) for each internal topic so the first
#   group join / transaction is quick. Heap -Xmx512m per node (a fresh node uses ~350 MB RSS).
# * The JVMs are started with nohup in the background, stdin from /dev/null, output into their log
#   file and without our lock fds, so `BOOT=$(broker.sh start 3)` returns as soon as the cluster is
#   ready (a command substitution would otherwise wait for the brokers to close the pipe).
# * Readiness = `kcat -L` on every node's own port reports N brokers (kcat is Debian's, built on the
#   same librdkafka as the project, so "ready" means "ready for our client"). Every wait is bounded
#   (start/restart: MS_KAFKA_START_TIMEOUT; stop: MS_KAFKA_STOP_TIMEOUT, then KILL; locks: 300 s;
#   each kcat probe: 10 s). On a failed start the tail of each node's log goes to stderr, the nodes
#   are stopped (the run dir is kept for inspection) and the exit status is non-zero.
# * Signals only ever go to pids from our pid files, and only while /proc/<pid>/cmdline shows a
#   process started with this run dir (no pkill by name; a recycled pid is left alone). A paused node
#   is sent CONT before TERM, since a stopped JVM cannot act on TERM.
# * State-changing commands take an flock on $MS_KAFKA_DIR.lock, fetch one on .cache/.fetch.lock, so
#   concurrent test jobs cannot interleave a start and a stop or two downloads.
#
# Needs: bash, java 17+, mvn (only for fetch), kcat, flock/timeout (util-linux, coreutils).
# Debian: apt-get install -y openjdk-17-jre-headless maven kcat
# Stdout carries only the bootstrap string (start, restart, bootstrap) or status lines; progress
# and errors go to stderr.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${MS_KAFKA_CACHE:-$HERE/.cache}
JARS=$CACHE/jars
M2=$CACHE/m2
RUN=${MS_KAFKA_DIR:-/tmp/mentionsift-kafka}
# Must match <kafka.version> in pom.xml unless overridden on purpose.
KAFKA_VERSION=${MS_KAFKA_VERSION:-4.1.2}
PORT_BASE=${MS_KAFKA_PORT:-19092}
CTRL_BASE=${MS_KAFKA_CONTROLLER_PORT:-19192}
SASL_BASE=${MS_KAFKA_SASL_PORT:-19392}
SCRAM_USERS=${MS_KAFKA_SCRAM_USERS:-}
START_TIMEOUT=${MS_KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT=${MS_KAFKA_STOP_TIMEOUT:-30}
HEAP_OPTS=${MS_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
# Same GC flags as Kafka's bin/kafka-run-class.sh.
JVM_OPTS=${MS_KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}

if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then JAVA=$JAVA_HOME/bin/java; else JAVA=java; fi

log() { printf 'broker.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found ($2)"; }
# lock <fd> <file>: hold an flock on <file> until the script exits (bounded wait). Lock files live
# beside, not inside, the directories that stop/fetch delete.
lock() {
  mkdir -p "$(dirname "$2")"
  eval "exec $1>\"\$2\""
  flock -w 300 "$1" || die "could not get the lock $2 within 300 s"
}

broker_port() { echo $((PORT_BASE + $1 - 1)); }
ctrl_port() { echo $((CTRL_BASE + $1 - 1)); }
sasl_port() { echo $((SASL_BASE + $1 - 1)); }
node_dir() { echo "$RUN/node$1"; }
pid_of() { cat "$(node_dir "$1")/pid" 2>/dev/null || true; }

# Cluster size of the running (or last started, not yet stopped) cluster; 0 if none.
cluster_size() { cat "$RUN/size" 2>/dev/null || echo 0; }

# True if $1 is a live process that is one of OUR brokers (guards against pid reuse).
is_ours() {
  local pid=$1
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$RUN/node" || return 1
  # A zombie (killed but not yet reaped by anyone) counts as dead.
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]
}

proc_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo '?'; }

bootstrap_string() {
  local n=$1 i s=''
  for ((i = 1; i <= n; i++)); do s+="${s:+,}127.0.0.1:$(broker_port "$i")"; done
  echo "$s"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

tail_logs() {
  local n=$1 i f
  for ((i = 1; i <= n; i++)); do
    f=$(node_dir "$i")/server.log
    [[ -f $f ]] || continue
    log "----- last 40 lines of $f -----"
    tail -n 40 "$f" >&2 || true
  done
}

# ---------------------------------------------------------------------------------------------
# fetch
# ---------------------------------------------------------------------------------------------
jars_ready() { [[ -f $JARS/.fetched && $(cat "$JARS/.fetched") == "$KAFKA_VERSION" ]]; }

cmd_fetch() {
  if jars_ready; then
    log "Kafka $KAFKA_VERSION jars already in $JARS (nothing downloaded)"
    return 0
  fi
  lock 8 "$CACHE/.fetch.lock"
  if jars_ready; then # another process fetched while we waited for the lock
    log "Kafka $KAFKA_VERSION jars already in $JARS (nothing downloaded)"
    return 0
  fi
  need mvn "apt-get install -y maven"
  need "$JAVA" "apt-get install -y openjdk-17-jre-headless"
  mkdir -p "$CACHE"
  local tmp=$CACHE/jars.tmp.$$ mlog=$CACHE/mvn.log t0=$SECONDS
  rm -rf "$tmp"
  log "fetching Kafka $KAFKA_VERSION and its runtime dependencies with Maven into $JARS ..."
  # -B: no progress bars; -q: errors only; the local repo inside the cache makes a re-fetch (e.g. after
  # deleting jars/) work offline and keeps ~/.m2 untouched. Copy into a temp dir, then rename, so an
  # interrupted fetch never leaves a half-filled jars/ behind.
  if ! mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" \
      -Dmaven.repo.local="$M2" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mlog" 2>&1; then
    tail -n 40 "$mlog" >&2
    rm -rf "$tmp"
    die "maven could not fetch Kafka $KAFKA_VERSION (full log: $mlog)"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"; }
  echo "$KAFKA_VERSION" >"$tmp/.fetched"
  rm -rf "$JARS"
  mv "$tmp" "$JARS"
  log "fetched $(find "$JARS" -name '*.jar' | wc -l) jars ($(du -sh "$JARS" | cut -f1)) in $((SECONDS - t0)) s"
}

# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------
write_configs() {
  local n=$1 i voters='' rf=$1 isr=1
  ((n >= 3)) && isr=2
  for ((i = 1; i <= n; i++)); do voters+="${voters:+,}$i@127.0.0.1:$(ctrl_port "$i")"; done

  # Logging config for log4j2 (Kafka 4.x). INFO for the broker, quieter for chatty internals.
  cat >"$RUN/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  # Kafka 3.x logs through reload4j (log4j 1.x) instead: the same, in its format.
  cat >"$RUN/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.kafka.request.logger=WARN
EOF

  for ((i = 1; i <= n; i++)); do
    local d
    d=$(node_dir "$i")
    mkdir -p "$d/data"
    cat >"$d/server.properties" <<EOF
# Generated by tests/kafka/broker.sh - node $i of $n (combined KRaft broker + controller).
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i"),CONTROLLER://127.0.0.1:$(ctrl_port "$i")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$d/data

# Topics: auto-created on first use, 3 partitions, replicated on every node.
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=$rf
min.insync.replicas=$isr

# Internal topics: replicated on every node, few partitions so they are created quickly.
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr

# Tests: no delay before the first rebalance, small threads/buffers.
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=1
EOF
    if [[ -n $SCRAM_USERS ]]; then
      # Secure mode: a SASL/SCRAM listener for the client under test, ACLs enforced. These
      # listener lines override the ones above (java.util.Properties: the last one wins).
      cat >>"$d/server.properties" <<EOF

# Secure mode (MS_KAFKA_SCRAM_USERS): SASL/SCRAM-SHA-512 listener, ACLs enforced.
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i"),CONTROLLER://127.0.0.1:$(ctrl_port "$i"),SASL_PLAINTEXT://127.0.0.1:$(sasl_port "$i")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i"),SASL_PLAINTEXT://127.0.0.1:$(sasl_port "$i")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:ANONYMOUS
EOF
    fi
    if [[ -n ${MS_KAFKA_EXTRA_PROPS:-} ]]; then
      printf '\n# MS_KAFKA_EXTRA_PROPS\n%s\n' "$MS_KAFKA_EXTRA_PROPS" >>"$d/server.properties"
    fi
  done
}

java_cmd() { # java_cmd <main class> args...  (run in the foreground, for tools)
  "$JAVA" -Xmx256m -cp "$JARS/*" -Dlog4j2.configurationFile="$RUN/log4j2.properties" \
    -Dlog4j.configuration="file:$RUN/log4j.properties" "$@"
}

# Command-line tools: WARN and above, on stderr, so their stdout stays parseable.
tools_log_config() {
  local f=$CACHE/tools-log4j2.properties
  [[ -f $f ]] || {
    mkdir -p "$CACHE"
    cat >"$f" <<'EOF'
status = warn
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = ERR
EOF
  }
  echo "$f"
}

format_storage() {
  local n=$1 i cid pids=() rc=0
  # Cluster id: 16 random bytes, URL-safe base64 without padding (what StorageTool random-uuid prints).
  # A leading '-' would be read as an option by StorageTool's argument
  # parser ("--cluster-id: expected one argument"), so draw again.
  cid=-
  while [[ $cid == -* ]]; do
    cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  done
  echo "$cid" >"$RUN/cluster-id"
  # Secure mode: SCRAM credentials are metadata records written at format time (KIP-900).
  local scram=() u users=()
  if [[ -n $SCRAM_USERS ]]; then
    IFS=, read -ra users <<<"$SCRAM_USERS"
    for u in "${users[@]}"; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=\"${u%%:*}\",password=\"${u#*:}\"]")
    done
  fi
  # One JVM per node; run them in parallel (JVM start-up dominates).
  for ((i = 1; i <= n; i++)); do
    java_cmd kafka.tools.StorageTool format -t "$cid" -c "$(node_dir "$i")/server.properties" "${scram[@]}" \
      >"$(node_dir "$i")/format.log" 2>&1 </dev/null &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      rc=1
      log "formatting node $((i + 1)) failed:"
      cat "$(node_dir $((i + 1)))/format.log" >&2
    fi
  done
  return $rc
}

# ---------------------------------------------------------------------------------------------
# process control
# ---------------------------------------------------------------------------------------------
launch_node() {
  local i=$1 d
  d=$(node_dir "$i")
  # shellcheck disable=SC2086  # HEAP_OPTS / JVM_OPTS are word lists on purpose
  nohup "$JAVA" $HEAP_OPTS $JVM_OPTS \
    -Dlog4j2.configurationFile="$RUN/log4j2.properties" -Dlog4j.configuration="file:$RUN/log4j.properties" \
    -Dkafka.logs.dir="$d" \
    -cp "$JARS/*" kafka.Kafka "$d/server.properties" \
    >>"$d/server.log" 2>&1 </dev/null 8>&- 9>&- &
  # (8>&- 9>&-: the broker must not inherit our lock fds, or it would hold the lock for its lifetime.)
  local pid=$! t
  echo "$pid" >"$d/pid"
  # Until the child has exec'd java its cmdline is still ours, without the run dir, and is_ours()
  # would take a starting node for a dead one: wait (at most 5 s) until it shows, or it died.
  for ((t = 0; t < 100; t++)); do
    is_ours "$pid" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
}

# Number of brokers that node i's port reports in its metadata (0 if it does not answer).
brokers_seen_by() {
  local out
  out=$(timeout 10 kcat -b "127.0.0.1:$(broker_port "$1")" -L -m 3 -q 2>/dev/null) || { echo 0; return; }
  sed -n 's/^ *\([0-9][0-9]*\) brokers:.*/\1/p' <<<"$out" | head -n 1 | grep . || echo 0
}

# True if node i answers on its own port and lists itself as a registered (unfenced) broker.
node_registered() {
  timeout 10 kcat -b "127.0.0.1:$(broker_port "$1")" -L -m 3 -q 2>/dev/null | grep -q "^ *broker $1 at "
}

# wait_ready N: until every node answers on its own port and reports N brokers.
# wait_ready N i: until node i answers and is registered again (used by restart; the other nodes
# may be paused or killed by the test at that moment). Bounded by START_TIMEOUT.
wait_ready() {
  local n=$1 one=${2:-} deadline=$((SECONDS + START_TIMEOUT)) i ok
  local nodes=()
  if [[ -n $one ]]; then nodes=("$one"); else for ((i = 1; i <= n; i++)); do nodes+=("$i"); done; fi
  while :; do
    ok=1
    for i in "${nodes[@]}"; do
      if ! is_ours "$(pid_of "$i")"; then
        log "node $i exited during start-up"
        return 1
      fi
      if [[ -n $one ]]; then
        node_registered "$i" || { ok=0; break; }
      else
        [[ $(brokers_seen_by "$i") == "$n" ]] || { ok=0; break; }
      fi
    done
    ((ok)) && return 0
    ((SECONDS < deadline)) || { log "timed out after ${START_TIMEOUT}s waiting for the broker(s)"; return 1; }
    sleep 1
  done
}

# Stop the given nodes: CONT (a paused JVM cannot act on TERM), TERM, wait, KILL what is left.
stop_nodes() {
  local pids=() i pid deadline
  for i in "$@"; do
    pid=$(pid_of "$i")
    if is_ours "$pid"; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  ((${#pids[@]})) || return 0
  deadline=$((SECONDS + STOP_TIMEOUT))
  while ((SECONDS < deadline)); do
    local alive=0
    for pid in "${pids[@]}"; do is_ours "$pid" && alive=1; done
    ((alive)) || return 0
    sleep 0.5
  done
  for pid in "${pids[@]}"; do
    if is_ours "$pid"; then
      log "pid $pid still alive after ${STOP_TIMEOUT}s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # KILL is not ignorable; give the kernel a moment to tear the process down.
  for _ in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do is_ours "$pid" && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
}

any_alive() {
  local n i
  n=$(cluster_size)
  for ((i = 1; i <= n; i++)); do is_ours "$(pid_of "$i")" && return 0; done
  return 1
}

# ---------------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------------
all_alive() {
  local n i
  n=$(cluster_size)
  for ((i = 1; i <= n; i++)); do is_ours "$(pid_of "$i")" || return 1; done
}

cmd_start() {
  local n=${1:-1} i t0=$SECONDS
  [[ $n =~ ^[123]$ ]] || die "start: N must be 1, 2 or 3 (got '$n')"
  need "$JAVA" "apt-get install -y openjdk-17-jre-headless"
  need kcat "apt-get install -y kcat"

  if [[ -d $RUN ]]; then
    if any_alive; then
      # Same size and every node alive: reuse it (so a second `start` in a test script is harmless).
      if [[ $(cluster_size) == "$n" ]] && all_alive && wait_ready "$n"; then
        log "a $n-node cluster is already running in $RUN; reusing it"
        cat "$RUN/bootstrap"
        return 0
      fi
      die "a $(cluster_size)-node cluster is (partly) running in $RUN; run '$0 stop' first"
    fi
    log "removing stale run dir $RUN"
    stop_nodes 1 2 3
    rm -rf "$RUN"
  fi

  for ((i = 1; i <= n; i++)); do
    for p in "$(broker_port "$i")" "$(ctrl_port "$i")" ${SCRAM_USERS:+"$(sasl_port "$i")"}; do
      port_in_use "$p" && die "port 127.0.0.1:$p is already in use (another Kafka? set MS_KAFKA_PORT/MS_KAFKA_CONTROLLER_PORT)"
    done
  done

  jars_ready || cmd_fetch

  mkdir -p "$RUN"
  echo "$n" >"$RUN/size"
  bootstrap_string "$n" >"$RUN/bootstrap"
  if [[ -n $SCRAM_USERS ]]; then
    local ss='' j
    for ((j = 1; j <= n; j++)); do ss+="${ss:+,}127.0.0.1:$(sasl_port "$j")"; done
    echo "$ss" >"$RUN/sasl-bootstrap"
  fi
  write_configs "$n"
  format_storage "$n" || { rm -rf "$RUN"; die "formatting KRaft storage failed"; }

  log "starting $n Kafka $KAFKA_VERSION node(s) in $RUN ..."
  for ((i = 1; i <= n; i++)); do launch_node "$i"; done

  if ! wait_ready "$n"; then
    tail_logs "$n"
    log "start failed; stopping what was started (logs kept in $RUN)"
    stop_nodes $(seq "$n")
    exit 1
  fi
  log "$n node(s) ready in $((SECONDS - t0)) s"
  cat "$RUN/bootstrap"
}

cmd_stop() {
  [[ -d $RUN ]] || { log "nothing running (no $RUN)"; return 0; }
  local n
  n=$(cluster_size)
  ((n > 0)) || n=3
  stop_nodes $(seq "$n")
  if [[ ${MS_KAFKA_KEEP_DIR:-0} == 1 ]]; then
    rm -f "$RUN"/node*/pid
    log "stopped; kept $RUN (MS_KAFKA_KEEP_DIR=1; the next start replaces it)"
    return 0
  fi
  rm -rf "$RUN"
  log "stopped; removed $RUN"
}

cmd_bootstrap() {
  if ! [[ -f $RUN/bootstrap ]] || ! any_alive; then die "no cluster running (start one with '$0 start [N]')"; fi
  cat "$RUN/bootstrap"
}

cmd_status() {
  local n i pid state
  n=$(cluster_size)
  ((n > 0)) || { log "no cluster"; return 1; }
  for ((i = 1; i <= n; i++)); do
    pid=$(pid_of "$i")
    if is_ours "$pid"; then
      [[ $(proc_state "$pid") == T ]] && state=paused || state=up
    else
      state=down
    fi
    echo "node $i 127.0.0.1:$(broker_port "$i") pid ${pid:--} $state"
  done
}

node_arg() {
  local i=${1:-} n
  n=$(cluster_size)
  ((n > 0)) || die "no cluster running"
  if ! [[ $i =~ ^[0-9]+$ ]] || ((i < 1 || i > n)); then die "node index must be 1..$n (got '${i}')"; fi
  echo "$i"
}

cmd_signal() { # cmd_signal <SIG> <i>
  local sig=$1 i pid
  i=$(node_arg "${2:-}")
  pid=$(pid_of "$i")
  is_ours "$pid" || die "node $i is not running"
  kill -"$sig" "$pid"
  if [[ $sig == KILL ]]; then
    for _ in $(seq 100); do is_ours "$pid" || break; sleep 0.1; done
  fi
  log "node $i (pid $pid): sent SIG$sig"
}

cmd_restart() {
  local i n t0=$SECONDS
  i=$(node_arg "${1:-}")
  n=$(cluster_size)
  stop_nodes "$i"
  # Bounded wait for the ports to be released by the old process.
  for _ in $(seq 100); do
    port_in_use "$(broker_port "$i")" || port_in_use "$(ctrl_port "$i")" || break
    sleep 0.1
  done
  launch_node "$i"
  if ! wait_ready "$n" "$i"; then
    tail_logs "$n"
    die "node $i did not come back"
  fi
  log "node $i restarted in $((SECONDS - t0)) s"
  cat "$RUN/bootstrap"
}

cmd_tool() {
  (($#)) || die "tool: name a main class, e.g. org.apache.kafka.tools.TopicCommand"
  jars_ready || cmd_fetch
  local cfg
  cfg=$(tools_log_config)
  exec "$JAVA" -Xmx256m -cp "$JARS/*" -Dlog4j2.configurationFile="$cfg" "$@"
}

cmd_create_topic() {
  local name=${1:-} parts=${2:-3} rf=${3:-} boot
  [[ -n $name ]] || die "create-topic: name the topic"
  boot=$(cmd_bootstrap)
  rf=${rf:-$(cluster_size)}
  # Kafka 4.x: org.apache.kafka.tools.TopicCommand (3.x had kafka.admin.TopicCommand).
  cmd_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$boot" --create --if-not-exists \
    --topic "$name" --partitions "$parts" --replication-factor "$rf" "${@:4}"
}

usage() { sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//' >&2; }

# Serialise commands that change state, so two test jobs cannot interleave a start and a stop
# (the fetch has its own lock in cmd_fetch).

case ${1:-} in
  start | stop | kill | pause | resume | restart) lock 9 "$RUN.lock" ;;
esac

case ${1:-} in
  fetch) cmd_fetch ;;
  start) cmd_start "${2:-1}" ;;
  stop) cmd_stop ;;
  bootstrap) cmd_bootstrap ;;
  status) cmd_status ;;
  kill) cmd_signal KILL "${2:-}" ;;
  pause) cmd_signal STOP "${2:-}" ;;
  resume) cmd_signal CONT "${2:-}" ;;
  restart) cmd_restart "${2:-}" ;;
  create-topic) shift; cmd_create_topic "$@" ;;
  tool) shift; cmd_tool "$@" ;;
  sasl-bootstrap) cat "$RUN/sasl-bootstrap" 2>/dev/null || die "no secure-mode cluster running (start with MS_KAFKA_SCRAM_USERS)" ;;
  -h | --help | help) usage ;;
  *) usage; exit 2 ;;
esac
