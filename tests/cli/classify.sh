#!/usr/bin/env bash
# tests/cli/classify.sh - `mentionsift classify` as a user runs it: JSON lines
# in, classified JSON lines out; a malformed line is reported with its line
# number and reason on stderr and in the reject file, the run goes on, and
# the exit status says some were rejected; --text classifies the command
# line's texts. Usage: classify.sh PATH/TO/mentionsift (ctest passes it).
. "$(dirname "$0")/testlib.bash" classify "$@"

# 1. a malformed line between good ones, a blank line and invalid UTF-8
printf '%s\n' \
  '{"id":"a","kind":"public_comment","page_owned":true,"text":"thanks for nothing whg, still waiting for a callback"}' \
  '{"id":"b","text":"unterminated' \
  '' \
  '{"id":"c","kind":"public_comment","page_owned":true,"text":"the boiler is leaking and I can smell gas"}' \
  > "$WORK/in.jsonl"
printf '{"id":"d","text":"caf\xe9 \xff\xfe broken bytes, f*ck this"}\n' >> "$WORK/in.jsonl"
"$BIN" classify -j "$WORK/rej.jsonl" "$WORK/in.jsonl" >"$WORK/out.jsonl" 2>"$WORK/err.txt"
rc=$?
if [ $rc = 3 ] && python3 - "$WORK" <<'EOF'
import json, sys
w = sys.argv[1]
out = [json.loads(l) for l in open(f"{w}/out.jsonl")]
rej = [json.loads(l) for l in open(f"{w}/rej.jsonl")]
ids = [o["mention"]["id"] for o in out]
prim = {o["mention"]["id"]: o["primary"] for o in out}
ok = (ids == ["a", "c", "d"] and prim["a"] == "complaint" and prim["c"] == "repair"
      and len(rej) == 1 and rej[0]["line"] == 2 and rej[0]["input"].startswith('{"id":"b"')
      and "JSON" in rej[0]["error"])
sys.exit(0 if ok else 1)
EOF
then
  if grep -q "in.jsonl: line 2: " "$WORK/err.txt" && grep -q "3 classified, 1 rejected" "$WORK/err.txt"; then
    ok "a malformed line: line number and reason on stderr and in the reject file, the others classified, exit 3"
  else bad "stderr does not name the line: $(cat "$WORK/err.txt")"; fi
else bad "malformed line: exit $rc, out $(cut -c1-120 "$WORK/out.jsonl" | head -3), reject $(cat "$WORK/rej.jsonl" 2>/dev/null), $(cat "$WORK/err.txt")"; fi

# 2. nothing malformed: exit 0, redaction on by default, stdin
printf '{"id":"p","kind":"public_comment","page_owned":true,"text":"ring me on 07700 900123"}\n' |
  "$BIN" classify >"$WORK/p.jsonl" 2>"$WORK/p.err"
rc=$?
if [ $rc = 0 ] && grep -q '"text":"ring me on \*\*\*\*' "$WORK/p.jsonl" &&
   ! grep -q '07700' "$WORK/p.jsonl"; then ok "stdin, exit 0, the phone number redacted in the output text"
else bad "stdin: exit $rc, $(cat "$WORK/p.jsonl" "$WORK/p.err")"; fi

# 3. --text and --kind
"$BIN" classify -t "The boiler is leaking and I can smell gas" -t "Love the new kitchen, thank you" \
  >"$WORK/t.jsonl" 2>"$WORK/t.err"
rc=$?
"$BIN" classify -k external_mention -t "whg are the worst landlord in Walsall" >"$WORK/e.jsonl" 2>>"$WORK/t.err"
rc2=$?
if [ $rc = 0 ] && [ $rc2 = 0 ] && python3 - "$WORK" <<'EOF'
import json, sys
w = sys.argv[1]
t = [json.loads(l) for l in open(f"{w}/t.jsonl")]
e = json.loads(open(f"{w}/e.jsonl").readline())
ok = ([x["mention"]["id"] for x in t] == ["text-1", "text-2"]
      and t[0]["primary"] == "repair" and t[0]["priority"] == "urgent"
      and t[1]["primary"] == "positive"
      and e["mention"]["kind"] == "external_mention" and e["mention"]["page_owned"] is False
      and e["action"] == "review_case_by_case")
sys.exit(0 if ok else 1)
EOF
then ok "--text classifies each text; --kind external_mention is off whg's pages (case by case, 2.29)"
else bad "--text: exit $rc/$rc2, $(cut -c1-200 "$WORK/t.jsonl" "$WORK/e.jsonl"), $(cat "$WORK/t.err")"; fi

# 4. usage errors name what is wrong and exit 2
"$BIN" classify --kind bogus -t x >/dev/null 2>"$WORK/u1.err"; r1=$?
"$BIN" classify -t x "$WORK/in.jsonl" >/dev/null 2>"$WORK/u2.err"; r2=$?
"$BIN" classify -i yaml "$WORK/in.jsonl" >/dev/null 2>"$WORK/u3.err"; r3=$?
"$BIN" classify -k reply "$WORK/in.jsonl" >/dev/null 2>"$WORK/u4.err"; r4=$?
if [ $r1 = 2 ] && grep -q "not 'bogus'" "$WORK/u1.err" && [ $r2 = 2 ] &&
   grep -q "exclude each other" "$WORK/u2.err" && [ $r3 = 2 ] && grep -q "not 'yaml'" "$WORK/u3.err" &&
   [ $r4 = 2 ] && grep -q -- "--kind applies to --text only" "$WORK/u4.err"; then
  ok "usage errors: exit 2, the bad value named"
else bad "usage errors: $r1 $r2 $r3 $r4: $(cat "$WORK"/u*.err)"; fi

# 4. a text longer than the engine scans is rejected, not passed on with its
# unscanned part (personal information there would go out unmasked); the
# record after it is classified
python3 - "$WORK/long.jsonl" <<'EOF'
import sys
with open(sys.argv[1], "wb") as f:
    f.write(b'{"id":"long","text":"' + b"hello " * 180000 + b'call 07700 900123"}\n')
    f.write(b'{"id":"short","text":"call 07700 900123"}\n')
EOF
"$BIN" classify -j "$WORK/long-rej.jsonl" "$WORK/long.jsonl" >"$WORK/long-out.jsonl" 2>"$WORK/long-err.txt"
rc=$?
if [ $rc = 3 ] && grep -q 'line 1: text of 1080017 bytes exceeds the 1048576 bytes the engine scans' "$WORK/long-err.txt" &&
   [ "$(jq -r .mention.id "$WORK/long-out.jsonl")" = short ] && ! grep -q 900123 "$WORK/long-out.jsonl"; then
  ok "a text over the scan limit: rejected with its size and the limit, the next one classified"
else bad "long text: exit $rc, $(cut -c1-200 "$WORK/long-err.txt")"; fi

echo "classify CLI: $fails failure(s)"
[ $fails = 0 ]
