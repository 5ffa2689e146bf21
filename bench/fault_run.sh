#!/usr/bin/env bash
# fault_run.sh - the long version of tests/integration/exactly_once.sh, for
# the figures in the closing note: 1,000,000 events (MS_EVENTS) through the
# service on a 3-broker Apache Kafka cluster while fault rounds run for as
# long as the firehose streams (about 4 s a round: two service SIGKILLs per
# round; every fourth round a coordinator broker SIGKILLed, then restarted
# while another is SIGSTOPped past the session timeout).
#
#   bash bench/fault_run.sh [exactly_once|at_least_once ...]
#
# Uses the release build (build/mentionsift, built if missing). Prints the
# test's result line per mode: events, faults by kind, lost, duplicated.
# Takes about 10 minutes per mode at the default rate of 4,000 events/s.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/mentionsift ] || { cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null && ninja -C build mentionsift >/dev/null; }
export MS_BIN=${MS_BIN:-build/mentionsift}
export MS_EVENTS=${MS_EVENTS:-1000000}
export MS_RATE=${MS_RATE:-4000}
export MS_FAULT_ROUNDS=${MS_FAULT_ROUNDS:-8}
echo "fault run: $MS_EVENTS events at $MS_RATE/s, binary $MS_BIN, $(date -u +%FT%TZ)"
exec bash tests/integration/exactly_once.sh "$@"
