#!/usr/bin/env bash
# run.sh - a short, bounded run of every libFuzzer target (tests/fuzz/).
#
#   bash tests/fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 20); TARGETs are names with or without the
# fuzz_ prefix (default: all). Builds build-fuzz first if needed
#   CC=clang cmake -S . -B build-fuzz -G Ninja -DMS_FUZZ=ON -DMS_SANITIZE=ON
# (MS_FUZZ_BUILD=dir to use another build directory), then fuzzes each
# target on a COPY of its seed corpus in a temporary directory: new inputs
# are never written into the repository. Prints one line per target,
#   fuzz <name>: N runs, ok
# or the crash with its reproducer, kept in <build>/fuzz-artifacts/, and
# exits non-zero if any target crashed. Full logs: <build>/fuzz-logs/.
# A reproducer is replayed with: <build>/tests/fuzz/fuzz_<name> FILE
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SECS=${1:-20}
shift || true
BUILD=${MS_FUZZ_BUILD:-build-fuzz}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

ALL=(json_decode pb_decode normalise classify rules config regex_shape)
declare -A MAXLEN=([json_decode]=4096 [pb_decode]=4096 [normalise]=2048
                   [classify]=2048 [rules]=4096 [config]=8192
                   [regex_shape]=700)
targets=()
for t in "${@:-${ALL[@]}}"; do
  t=${t#fuzz_}
  [ -n "${MAXLEN[$t]:-}" ] || { echo "unknown fuzz target '$t' (known: ${ALL[*]})"; exit 2; }
  targets+=("$t")
done

if ! command -v clang >/dev/null; then
  echo "fuzz: clang not found (libFuzzer needs clang)"; exit 1
fi
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang cmake -S . -B "$BUILD" -G Ninja -DMS_FUZZ=ON -DMS_SANITIZE=ON >/dev/null ||
    { echo "fuzz: configuring $BUILD failed"; exit 1; }
fi
if ! out=$(ninja -C "$BUILD" fuzz_all 2>&1); then
  echo "$out" | tail -30; echo "fuzz: build failed"; exit 1
fi

# no abort_on_error: libFuzzer reports sanitizer errors itself (and the shell
# would add an "Aborted" line)
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export MS_RULES_DIR=$ROOT/rules
export MENTIONSIFT_CACHE_DIR=${MENTIONSIFT_CACHE_DIR:-$BUILD/hs-cache} # fuzz_classify: compile the rules once
work=$(mktemp -d "${TMPDIR:-/tmp}/mentionsift-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$BUILD/fuzz-artifacts" "$BUILD/fuzz-logs"

failed=0
for t in "${targets[@]}"; do
  bin=$BUILD/tests/fuzz/fuzz_$t
  corpus=$work/corpus-$t
  mkdir -p "$corpus" "$work/art-$t"
  cp -p "tests/fuzz/corpus/fuzz_$t/"* "$corpus/" 2>/dev/null
  log=$BUILD/fuzz-logs/fuzz_$t.log
  # -timeout: a single input taking longer than 30 s is reported as a hang.
  TMPDIR=$work "$bin" -max_total_time="$SECS" -max_len="${MAXLEN[$t]}" -rss_limit_mb=2048 \
    -timeout=30 -print_final_stats=1 -artifact_prefix="$work/art-$t/" "$corpus" \
    </dev/null >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if [ "$rc" = 0 ]; then
    echo "fuzz $t: ${runs:-0} runs, ok"
    continue
  fi
  failed=$((failed + 1))
  repro=""
  for a in "$work/art-$t/"*; do
    [ -e "$a" ] || continue
    repro=$BUILD/fuzz-artifacts/fuzz_$t-$(basename "$a")
    cp "$a" "$repro"
  done
  echo "fuzz $t: CRASH (exit $rc) after ${runs:-?} runs; reproducer: ${repro:-none (see $log)}"
  # the report: from the first sanitizer/property line, at most 40 lines
  # (libFuzzer's and libc's own frames left out)
  awk '/FUZZ PROPERTY VIOLATED|==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer/ {on=1}
       /in fuzzer::|__sanitizer_print_stack_trace|libc\.so|libc_start|in _start |pthread_kill|raise\.c|abort\.c|rudimentary signal|Combine libFuzzer|^$/ {next}
       /Shadow bytes around/ {on=0}
       on && n < 40 {print "    " $0; n++}' "$log"
done
[ "$failed" = 0 ]
