#!/usr/bin/env python3
"""label_report.py - a labelled set of posts through `mentionsift classify`, scored by label.

The public data in ../shared/data judges sentiment, offensive language and
complaints. The policy has more grounds than that, and a rule author who
writes a set of posts by the policy (labelled before running anything) needs
the same figures for each of them. This script gives them:

  bench/label_report.py POSTS.jsonl [--bin build/mentionsift] [--rules DIR]
                        [--misses] [--parity even|odd]

POSTS.jsonl has one post per line:
  {"id": "k001", "text": "...", "kind": "public_comment", "page_owned": true,
   "expect": ["profanity", "complaint"], "urgent": false}
kind and page_owned are optional (public comment on whg's page); "urgent" is
optional and only posts that give it count toward the urgent row. Any other
field is ignored.

It prints, per label, true and false positives, misses, precision, recall and
F1 (the labels the engine gives that nobody expected in the set are counted as
false positives too, so a label may appear with no expected posts at all);
the House Rules rows together (any ground expected vs any ground given);
benign posts flagged for the House Rules; and urgent recall and precision.
--misses lists every disagreement with the evidence rules. --parity keeps the
posts whose id ends in an even or odd number: tune on one half, report the
other.
"""
import argparse
import json
import re
import subprocess
import sys

HOUSE_RULES = ["profanity", "hate", "religion_politics", "colleague", "sexual_graphic",
               "malicious_link", "detrimental", "advertising", "misinformation",
               "personal_info"]
SERVICE = ["complaint", "repair", "consent_withdrawal", "individual_case", "question", "positive"]
KINDS = {"public_comment", "reply", "inbox_message", "external_mention"}


def load(path, parity):
    posts = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                p = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: not JSON: {e}")
            if "text" not in p or "expect" not in p:
                sys.exit(f"{path}:{n}: a post needs 'text' and 'expect'")
            unknown = set(p["expect"]) - set(HOUSE_RULES) - set(SERVICE)
            if unknown:
                sys.exit(f"{path}:{n}: unknown label(s) {sorted(unknown)}")
            if p.get("kind", "public_comment") not in KINDS:
                sys.exit(f"{path}:{n}: unknown kind {p.get('kind')!r}")
            p.setdefault("id", f"line-{n}")
            if parity:
                digits = re.findall(r"\d+", str(p["id"]))
                if not digits:
                    sys.exit(f"{path}:{n}: --parity needs a number in the id")
                if (int(digits[-1]) % 2 == 0) != (parity == "even"):
                    continue
            posts.append(p)
    return posts


def classify(posts, binary, rules):
    lines = []
    for i, p in enumerate(posts):
        kind = p.get("kind", "public_comment")
        lines.append(json.dumps({
            "id": f"p{i}", "platform": "facebook", "kind": kind,
            "page_owned": p.get("page_owned", kind != "external_mention"),
            "author": {"id": f"a{i}", "handle": f"a{i}"}, "text": p["text"]}))
    cmd = [binary, "classify"] + (["--rules", rules] if rules else [])
    run = subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {run.returncode}: {run.stderr.strip()[-2000:]}")
    out = {}
    for line in run.stdout.splitlines():
        d = json.loads(line)
        out[d["mention"]["id"]] = d
    if len(out) != len(posts):
        sys.exit(f"classify returned {len(out)} events for {len(posts)} posts")
    return [out[f"p{i}"] for i in range(len(posts))]


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    f = 2 * p * r / (p + r) if tp else 0.0
    return p, r, f


def row(name, tp, fp, fn):
    p, r, f = prf(tp, fp, fn)
    print(f"  {name:<20} {tp + fn:>6} {tp:>5} {fp:>5} {fn:>5}   {p:6.3f} {r:6.3f} {f:6.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("posts")
    ap.add_argument("--bin", default="build/mentionsift")
    ap.add_argument("--rules")
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--parity", choices=["even", "odd"])
    a = ap.parse_args()

    posts = load(a.posts, a.parity)
    if not posts:
        sys.exit(f"{a.posts}: no posts")
    results = classify(posts, a.bin, a.rules)

    print(f"{len(posts)} posts from {a.posts}" + (f" ({a.parity} ids)" if a.parity else ""))
    print(f"  {'label':<20} {'expect':>6} {'tp':>5} {'fp':>5} {'miss':>5}   {'P':>6} {'R':>6} {'F1':>6}")
    misses = []
    for label in HOUSE_RULES + SERVICE:
        tp = fp = fn = 0
        for p, d in zip(posts, results):
            got = label in {l["category"] for l in d["labels"]}
            want = label in p["expect"]
            tp += got and want
            fp += got and not want
            fn += want and not got
            if got != want:
                misses.append((p, d, label, "missed" if want else "false alarm"))
        if tp + fp + fn:
            row(label, tp, fp, fn)

    tp = fp = fn = benign = benign_flagged = 0
    for p, d in zip(posts, results):
        want = bool(set(p["expect"]) & set(HOUSE_RULES))
        got = bool({l["category"] for l in d["labels"]} & set(HOUSE_RULES))
        tp += want and got
        fp += got and not want
        fn += want and not got
        if not p["expect"]:
            benign += 1
            benign_flagged += got
    print("  " + "-" * 66)
    row("any House Rule", tp, fp, fn)
    if benign:
        print(f"  benign posts given a House Rules label: {benign_flagged}/{benign}"
              f" ({100.0 * benign_flagged / benign:.1f}%)")
    judged = [(p, d) for p, d in zip(posts, results) if "urgent" in p]
    if judged:
        tp = sum(1 for p, d in judged if p["urgent"] and d.get("urgent"))
        fp = sum(1 for p, d in judged if not p["urgent"] and d.get("urgent"))
        fn = sum(1 for p, d in judged if p["urgent"] and not d.get("urgent"))
        row("urgent", tp, fp, fn)
        for p, d in judged:
            if bool(p["urgent"]) != bool(d.get("urgent")):
                misses.append((p, d, "urgent", "missed" if p["urgent"] else "false alarm"))

    if a.misses:
        print("\ndisagreements (label, kind, post id: text -> labels given [rules])")
        for p, d, label, what in sorted(misses, key=lambda m: (m[2], m[3])):
            given = ",".join(l["category"] for l in d["labels"]) or "-"
            rules = ",".join(sorted({e["rule"] for l in d["labels"] for e in l["evidence"]}))
            print(f"{label:<18} {what:<11} {p['id']}: {p['text'][:160]!r} -> {given} [{rules}]")


if __name__ == "__main__":
    main()
