#!/usr/bin/env bash
# run.sh - the whole test suite, as the README's test command and CI run it.
#
#   1. installs what is missing (tests/bootstrap.sh --deps) and fetches
#      Apache Kafka's broker from Maven Central once (tests/kafka/broker.sh);
#   2. builds with AddressSanitizer + UndefinedBehaviorSanitizer and runs
#      the cmocka unit tests with ctest;
#   3. runs the service integration tests against a real Apache Kafka broker
#      (KRaft, loopback) and against librdkafka's embedded mock cluster; checks
#      the Prometheus alerting rules (promtool, and the metrics they use
#      against a running service); fails outputs while the workers sit at
#      their in-flight limit on Kafka (stall.sh);
#   4. streams events through the service on the mock cluster while it injects
#      request errors, a broker outage and latency: nothing may be lost;
#   5. runs the service against a broker with SASL/SCRAM and ACLs: right,
#      wrong and missing credentials, topics and a group it may not use;
#   6. streams events through the service on a 3-broker Kafka cluster while
#      service processes and brokers are killed and paused: exactly_once must
#      lose and duplicate nothing, at_least_once must lose nothing;
#   7. builds the container image (docker/Dockerfile) with podman and runs it:
#      the demo, and the service against a Kafka broker (docker/check.sh).
# Ends with the line "N passed, N failed" (", N skipped" when this machine
# cannot run containers at all: said, never silent).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
passed=0
failed=0
skipped=0
started=$SECONDS
step_name=""
step_at=$SECONDS
timings=""
# Each step's wall time goes in a table at the end: CI has a time limit, and
# this shows where the minutes go.
step() {
  [ -z "$step_name" ] || timings+=$(printf '  %5d s  %s' $((SECONDS - step_at)) "$step_name")$'\n'
  step_name=$*; step_at=$SECONDS
  echo; echo "=== $*"
}
result() { # name status
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "PASS: $1"
  else failed=$((failed + 1)); echo "FAIL: $1"; fi
}

step "dependencies"
bash tests/bootstrap.sh --deps || { echo "bootstrap failed"; echo "0 passed, 1 failed"; exit 1; }
bash tests/kafka/broker.sh fetch >/dev/null || { echo "fetching Apache Kafka failed"; echo "0 passed, 1 failed"; exit 1; }
# Kafka 3.9.1 too, for the SASL/SCRAM test only (security.sh says why)
MS_KAFKA_VERSION=3.9.1 MS_KAFKA_CACHE="$PWD/tests/kafka/.cache-3.9.1" bash tests/kafka/broker.sh fetch >/dev/null ||
  { echo "fetching Apache Kafka 3.9.1 failed"; echo "0 passed, 1 failed"; exit 1; }

step "build (ASan + UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if ! { cmake -S . -B build-asan -G Ninja -DMS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
       ninja -C build-asan; }; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

# One Hyperscan database cache for the whole run. Compiling the default rule
# set takes about 20 s in a release build but two minutes and more under
# AddressSanitizer (its allocator: Hyperscan's compiler allocates millions of
# small objects), so it is compiled once, by `rules check`, which compiles
# without reading the cache and then writes it; the unit tests, fuzzers and
# services after it load it from there.
export MENTIONSIFT_CACHE_DIR="$ROOT/build-asan/hs-cache"
step "rules check"
build-asan/mentionsift rules check rules/
result "rules check of the default rule set" $?

step "unit tests (ctest)"
(cd build-asan && ctest --output-on-failure)
result "unit tests" $?

step "threaded tests under ThreadSanitizer"
if cmake -S . -B build-tsan -G Ninja -DMS_TSAN=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
   ninja -C build-tsan test_engine_threads test_metrics test_ruleset_live >/dev/null; then
  TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/test_engine_threads &&
    TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/test_metrics &&
    TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/test_ruleset_live
  result "threaded tests (TSan)" $?
else
  result "threaded tests (TSan): build" 1
fi

step "fuzz (libFuzzer, ${MS_FUZZ_SECONDS:-20} s per target)"
bash tests/fuzz/run.sh "${MS_FUZZ_SECONDS:-20}"
result "fuzz targets" $?

for broker in kafka mock; do
  step "integration: service.sh on $broker"
  MS_BIN="$ROOT/build-asan/mentionsift" MS_BROKER="$broker" bash tests/integration/service.sh
  result "service [$broker]" $?
done

step "alerting rules: promtool, and the metrics they use against a running service"
MS_BIN="$ROOT/build-asan/mentionsift" bash tests/integration/alerts.sh
result "Prometheus alerting rules" $?

# Outputs failing while the workers sit at their in-flight limit: rewinds
# served there, and nothing lost once the missing output topic exists.
step "integration: stall.sh on kafka"
MS_BIN="$ROOT/build-asan/mentionsift" bash tests/integration/stall.sh
result "outputs failing at the in-flight limit [kafka]" $?

# The client's error paths under faults librdkafka's mock injects (request
# errors, a broker down, added round-trip time), in both delivery modes.
for mode in at_least_once exactly_once; do
  step "faults on the mock cluster: $mode"
  MS_BIN="$ROOT/build-asan/mentionsift" bash tests/integration/mock_faults.sh "$mode"
  result "client error paths under mock faults [$mode]" $?
done

step "security: SASL/SCRAM and ACLs on Kafka 3.9.1"
MS_BIN="$ROOT/build-asan/mentionsift" bash tests/integration/security.sh
result "security [kafka, SASL/SCRAM + ACLs]" $?

# Exactly once needs transaction markers, which only real Kafka writes.
step "faults: exactly_once, at_least_once (eager and cooperative rebalances) on a 3-broker Kafka cluster"
MS_BIN="$ROOT/build-asan/mentionsift" MS_EVENTS=${MS_EVENTS:-5000} \
  bash tests/integration/exactly_once.sh exactly_once at_least_once at_least_once_cooperative
result "delivery guarantees under faults [kafka x3]" $?

# The container image as users deploy it: built with podman (no Docker engine
# here) and run for real, the demo and the service against a Kafka broker.
step "docker image: built and run with podman (docker/check.sh)"
bash docker/check.sh
rc=$?
if [ "$rc" = 3 ]; then
  # podman runs no container at all on this machine: say so, do not pretend
  echo "SKIPPED: docker image: podman cannot run containers on this machine (see above)"
  skipped=$((skipped + 1))
else
  result "docker image [podman]" $rc
fi

step "done"
echo "step times (total $((SECONDS - started)) s):"
printf '%s' "$timings"
echo
echo "$passed passed, $failed failed$([ "$skipped" = 0 ] || echo ", $skipped skipped")"
[ "$failed" = 0 ]
