#!/usr/bin/env python3
"""Recall and false alarms of keyledger's detectors on the labelled corpus
(fixtures/corpus, see its LABELS.tsv and scripts/bench-detect-gen-corpus.py),
by family.

    scripts/bench-detect.py [--keyledger target/release/keyledger] [--corpus fixtures/corpus] [--list]

A positive label (error, warning, note) is found when a finding of
leaked-credential or leaked-password-hash starts on its line; it is exact
when the severity is the one labelled. A negative label (none) is a false
alarm when a finding starts on its line. A finding on a line without a label
is a false alarm too (counted under "unlabelled"). --list prints every miss
and false alarm (path, line, what; never a value).
"""
import argparse, collections, json, os, subprocess, sys

RULES = ("leaked-credential", "leaked-password-hash")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--keyledger", default=os.path.join(here, "..", "target", "release", "keyledger"))
    ap.add_argument("--corpus", default=os.path.join(here, "..", "fixtures", "corpus"))
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    labels = {}
    for line in open(os.path.join(a.corpus, "LABELS.tsv"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        path, ln, expect, family, what = line.rstrip("\n").split("\t")
        labels[(path, int(ln))] = (expect, family, what)
    p = subprocess.run([a.keyledger, "check", ".", "--no-inventory", "--format", "json"], cwd=a.corpus, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"keyledger failed ({p.returncode}): {p.stderr[:2000]}")
    found = collections.defaultdict(list)
    for f in json.loads(p.stdout)["findings"]:
        if f["rule"] in RULES:
            found[(f["path"], f["line"])].append(f["severity"])
    fam = collections.defaultdict(lambda: collections.Counter())
    problems = []
    for key, (expect, family, what) in sorted(labels.items()):
        got = found.get(key, [])
        c = fam[family]
        if expect == "none":
            c["neg"] += 1
            if got:
                c["fp"] += 1
                problems.append(("false alarm", key, what, got))
        else:
            c["pos"] += 1
            if got:
                c["tp"] += 1
                if expect in got:
                    c["exact"] += 1
                else:
                    problems.append((f"severity (want {expect})", key, what, got))
            else:
                problems.append(("miss", key, what, got))
    unlabelled = [(k, v) for k, v in found.items() if k not in labels]
    for k, v in unlabelled:
        problems.append(("unlabelled finding", k, "", v))
    print(f"{'family':<15} {'positives':>9} {'found':>14} {'exact sev.':>14} {'negatives':>9} {'false alarms':>15}")
    tot = collections.Counter()
    pct = lambda a, b: f"{100.0 * a / b:5.1f}%" if b else "   - "
    for family in sorted(fam):
        c = fam[family]
        tot.update(c)
        print(f"{family:<15} {c['pos']:>9} {c['tp']:>6} {pct(c['tp'], c['pos'])} {c['exact']:>6} {pct(c['exact'], c['pos'])} {c['neg']:>9} {c['fp']:>6} {pct(c['fp'], c['neg'])}")
    print(f"{'all':<15} {tot['pos']:>9} {tot['tp']:>6} {pct(tot['tp'], tot['pos'])} {tot['exact']:>6} {pct(tot['exact'], tot['pos'])} {tot['neg']:>9} {tot['fp']:>6} {pct(tot['fp'], tot['neg'])}")
    print(f"unlabelled findings (false alarms outside the labels): {len(unlabelled)}")
    if a.list:
        for kind, (path, ln), what, got in problems:
            print(f"  {kind}: {path}:{ln} {what} {got}")


if __name__ == "__main__":
    main()
