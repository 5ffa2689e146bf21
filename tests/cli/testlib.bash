# testlib.bash - what every command-line test (tests/cli/*.sh, tests/bench/*.sh) starts with:
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

# one_rule_set DIR: the smallest real rule set, one word-list rule and no
# lexicon (a compile of milliseconds, even under the sanitizers): writes
# DIR/words.txt and DIR/house-rules.yaml; the caller writes ruleset.yaml.
one_rule_set() {
  mkdir -p "$1"
  echo flumpgrizzle > "$1/words.txt"
  cat > "$1/house-rules.yaml" <<'YAML'
rules:
  - id: profanity.test
    category: profanity
    clause: "2.2"
    description: a made-up swear word
    action: review_for_removal
    weight: 1.0
    list: words.txt
    examples:
      match: ["what a flumpgrizzle"]
      no_match: ["what a lovely day"]
YAML
}
