# testlib.bash - what every command-line test (tests/cli/*.sh) starts with:
# strict mode, the binary under test from $1, a work directory removed on
# exit, and ok/bad to report a check (bad counts it in $fails).
# Source it as: . "$(dirname "$0")/testlib.bash" NAME "$@"
set -uo pipefail
BIN=${2:?usage: $1.sh MENTIONSIFT}
WORK=$(mktemp -d "/tmp/ms-cli-$1.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fails=0
ok() { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
