#!/usr/bin/env python3
"""Detection figures on public material nobody here wrote, keyledger vs gitleaks.

    scripts/bench-detect-public.py SRC [--keyledger BIN] [--gitleaks BIN] [--work DIR]
                                   [--only SUITE,...] [--misses SUITE]

SRC is a folder holding unpacked snapshots (not committed here) of:

    gitleaks/      github.com/gitleaks/gitleaks        rule examples (tps / fps literals)
    noseyparker/   github.com/praetorian-inc/noseyparker  rule examples / negative_examples
    trufflehog/    github.com/trufflesecurity/trufflehog  pkg/detectors/*_test.go literal inputs
    detect-secrets/ github.com/Yelp/detect-secrets     tests/plugins parametrized payloads
    ripsecrets/    github.com/sirwart/ripsecrets        test/one_per_line, test/none
    leaky-repo/    github.com/Plazmaz/leaky-repo        planted secrets (.leaky-meta/secrets.csv)
    formbricks/, dub/, ...   ordinary repositories: blocking findings only

(`git -C MIRROR archive HEAD | tar -x -C SRC/NAME` makes one.) For
gitleaks's rules, a literal secret given to GenerateSampleSecret(s) counts
in that function's form (`ID_api_token = "SECRET"`), or alone with BARE=1
(the harder reading, closer to "literal test strings"). Suites whose
folder is missing are skipped. Each literal test string is written to its own
file (`case-N.txt`) and every tool scans the folder once; a string counts as
caught when a tool reports anything in its file (any severity), and a
negative counts as flagged likewise. keyledger also gets a "blocking" column:
findings that are not `note`. Nothing here prints a secret.
"""

import argparse
import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time

# --------------------------------------------------------------------------
# Go string literals


def go_literals(src):
    """Yields (start, end, value) for every Go string literal in src."""
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "/" and src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if c == "`":
            j = src.find("`", i + 1)
            if j < 0:
                return
            yield i, j + 1, src[i + 1 : j]
            i = j + 1
            continue
        if c == "'":
            # rune literal: skip
            j = i + 1
            while j < n and src[j] != "'":
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if c == '"':
            j = i + 1
            out = []
            while j < n and src[j] != '"':
                if src[j] == "\\" and j + 1 < n:
                    e = src[j + 1]
                    simple = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
                    if e in simple:
                        out.append(simple[e])
                        j += 2
                    elif e == "x":
                        out.append(chr(int(src[j + 2 : j + 4], 16)))
                        j += 4
                    elif e == "u":
                        out.append(chr(int(src[j + 2 : j + 6], 16)))
                        j += 6
                    elif e == "U":
                        out.append(chr(int(src[j + 2 : j + 10], 16)))
                        j += 10
                    elif e.isdigit():
                        out.append(chr(int(src[j + 1 : j + 4], 8)))
                        j += 4
                    else:
                        out.append(e)
                        j += 2
                else:
                    out.append(src[j])
                    j += 1
            yield i, j + 1, "".join(out)
            i = j + 1
            continue
        i += 1


def statements(src, names):
    """Text of statements that assign to one of `names` (tps := ..., tps = append(...))."""
    pat = re.compile(r"\b(" + "|".join(names) + r")\s*(?::=|=)")
    for m in pat.finditer(src):
        i, depth = m.end(), 0
        lits = list(go_literals(src[i:]))
        # find the end: first newline at depth 0 outside literals
        j = i
        spans = [(s + i, e + i) for s, e, _ in lits]
        k = 0
        while j < len(src):
            while k < len(spans) and spans[k][1] <= j:
                k += 1
            if k < len(spans) and spans[k][0] <= j < spans[k][1]:
                j = spans[k][1]
                continue
            c = src[j]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            elif c == "\n" and depth <= 0 and src[i:j].strip() and not src[i:j].rstrip().endswith((",", "+", "(")):
                break
            elif src.startswith("//", j):
                nl = src.find("\n", j)
                j = len(src) if nl < 0 else nl
                continue
            j += 1
        yield m.group(1), src[m.end() : j]


def gitleaks_cases(root):
    """Literal true and false positives of gitleaks's rule definitions.

    A tps element that is one whole literal counts as is; a literal secret
    given to GenerateSampleSecret(s) counts in GenerateSampleSecret's form
    (`ID_api_token = "SECRET"`). Literals glued to generated parts
    (secrets.NewSecret) are not literal examples and are left out."""
    d = os.path.join(root, "cmd/generate/config/rules")
    pos, neg = [], []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".go") or name.endswith("_test.go"):
            continue
        src = open(os.path.join(d, name), encoding="utf-8").read()
        for which, stmt in statements(src, ["tps", "fps", "truePositives", "falsePositives"]):
            out = pos if which in ("tps", "truePositives") else neg
            for m in re.finditer(r"GenerateSampleSecrets?\(\s*(\"[^\"]*\"|`[^`]*`)\s*,\s*", stmt):
                rest = stmt[m.end() :]
                lits = list(go_literals(rest))
                if not lits or lits[0][0] != 0:
                    continue
                s, e, v = lits[0]
                after = rest[e:].lstrip()
                if not after.startswith(")"):
                    continue  # concatenated with a generated part
                ident = list(go_literals(m.group(1)))[0][2]
                out.append((f"{name}", v if os.environ.get("BARE") else f'{ident}_api_token = "{v}"'))
            # whole-literal elements: a literal preceded by `{`, `,` or `(`
            # (append(tps, LIT)) and followed by `,` `}` or `)`, not inside a call
            for s, e, v in go_literals(stmt):
                before = stmt[:s].rstrip()
                after = stmt[e:].lstrip()
                if not before or before[-1] not in "{,(":
                    continue
                if before[-1] == "(" and not re.search(r"append\s*\($", before):
                    continue
                if before[-1] == "," and re.search(r"(GenerateSampleSecrets?|NewSecret|Sprintf|Repeat|Replace)\s*\([^()]*$", before):
                    continue
                if not after or after[0] not in ",})":
                    continue
                if before.endswith("append(") or re.search(r"append\s*\($", before):
                    pass
                if v in ("tps", "fps") or not v.strip():
                    continue
                out.append((name, v))
    return pos, neg


def noseyparker_cases(root):
    import yaml  # noqa: PLC0415

    d = os.path.join(root, "crates/noseyparker/data/default/builtin/rules")
    pos, neg = [], []
    for name in sorted(os.listdir(d)):
        doc = yaml.safe_load(open(os.path.join(d, name), encoding="utf-8"))
        for r in (doc or {}).get("rules", []) or []:
            for ex in r.get("examples") or []:
                pos.append((r["id"], ex))
            for ex in r.get("negative_examples") or []:
                neg.append((r["id"], ex))
    return pos, neg


def trufflehog_cases(root):
    """`input:` fields of pattern tests that are one literal: with a
    non-empty `want` a true positive, with an empty one a negative."""
    d = os.path.join(root, "pkg/detectors")
    pos, neg = [], []
    for dirpath, _, files in os.walk(d):
        for f in files:
            if not f.endswith("_test.go") or "integration" in f:
                continue
            src = open(os.path.join(dirpath, f), encoding="utf-8", errors="replace").read()
            for m in re.finditer(r"\binput:\s*", src):
                rest = src[m.end() :]
                lits = list(go_literals(rest[:20000]))
                if not lits or lits[0][0] != 0:
                    continue
                s, e, v = lits[0]
                tail = rest[e:].lstrip()
                if not tail.startswith(","):
                    continue
                w = re.match(r",\s*(?://[^\n]*\n\s*)*want:\s*([^\n]*)", tail)
                if not w:
                    continue
                want = w.group(1).strip().rstrip(",")
                empty = want in ("nil", "[]string{}", "[]string(nil)", "nil,") or want.startswith("[]string{}")
                (neg if empty else pos).append((f, v))
    return pos, neg


def detect_secrets_cases(root):
    d = os.path.join(root, "tests/plugins")
    pos, neg = [], []
    for f in sorted(os.listdir(d)):
        if not f.endswith("_test.py") or f in ("keyword_test.py", "ip_public_test.py", "high_entropy_strings_test.py", "base_test.py"):
            continue
        tree = ast.parse(open(os.path.join(d, f), encoding="utf-8").read())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or getattr(node.func, "attr", "") != "parametrize":
                continue
            if len(node.args) < 2 or not isinstance(node.args[0], ast.Constant):
                continue
            names = [x.strip() for x in node.args[0].value.split(",")]
            if len(names) != 2 or names[1] != "should_flag":
                continue
            try:
                values = ast.literal_eval(node.args[1])
            except ValueError:
                continue
            for payload, flag in values:
                if isinstance(payload, str):
                    (pos if flag else neg).append((f, payload))
    return pos, neg


def ripsecrets_cases(root):
    pos, neg = [], []
    d = os.path.join(root, "test/one_per_line")
    for f in sorted(os.listdir(d)):
        for line in open(os.path.join(d, f), encoding="utf-8"):
            if line.strip():
                pos.append((f, line.rstrip("\n")))
    for f in sorted(os.listdir(os.path.join(root, "test/one_per_file"))):
        pos.append((f, open(os.path.join(root, "test/one_per_file", f), encoding="utf-8").read()))
    for line in open(os.path.join(root, "test/none"), encoding="utf-8"):
        if line.strip():
            neg.append(("none", line.rstrip("\n")))
    return pos, neg


LITERAL_SUITES = {
    "gitleaks-rules": gitleaks_cases,
    "noseyparker-rules": noseyparker_cases,
    "trufflehog-tests": trufflehog_cases,
    "detect-secrets-tests": detect_secrets_cases,
    "ripsecrets-tests": ripsecrets_cases,
}
SUITE_DIR = {
    "gitleaks-rules": "gitleaks",
    "noseyparker-rules": "noseyparker",
    "trufflehog-tests": "trufflehog",
    "detect-secrets-tests": "detect-secrets",
    "ripsecrets-tests": "ripsecrets",
}

# --------------------------------------------------------------------------
# tools


def run_keyledger(bin_, tree):
    """path -> [(severity, detector)] for leaked-credential-like findings."""
    p = subprocess.run(
        [bin_, "check", tree, "--no-inventory", "--format", "json"],
        capture_output=True,
        text=True,
    )
    if p.returncode not in (0, 1):
        sys.exit(f"keyledger failed ({p.returncode}): {p.stderr[:2000]}")
    doc = json.loads(p.stdout)
    out = {}
    for f in doc["findings"]:
        if f["rule"] in ("undeclared-secret", "unused-secret", "pii-in-log", "undeclared-public", "client-exposed-secret"):
            continue
        if f.get("suppressed"):
            continue
        path = f.get("path") or f.get("location", {}).get("path")
        out.setdefault(path, []).append((f["severity"], f.get("rule"), f.get("message", "")[:60]))
    return out


def run_gitleaks(bin_, tree, report):
    if os.path.exists(report):
        os.remove(report)
    subprocess.run(
        [bin_, "dir", tree, "--no-banner", "--report-format", "json", "--report-path", report, "--exit-code", "0", "--log-level", "error"],
        capture_output=True,
    )
    out = {}
    for f in json.load(open(report)):
        # gitleaks names files as it was given the folder (relative to the
        # working directory when the folder was relative).
        rel = os.path.relpath(os.path.abspath(f["File"]), os.path.abspath(tree))
        if rel.startswith(".."):
            rel = f["File"]
        out.setdefault(rel, []).append(("error", f["RuleID"], ""))
    return out


def norm(path, tree):
    if path is None:
        return None
    if os.path.isabs(path):
        path = os.path.relpath(path, tree)
    return path.lstrip("./") if path.startswith("./") else path


def write_cases(work, suite, pos, neg):
    d = os.path.join(work, suite)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    index = []
    for label, cases in (("pos", pos), ("neg", neg)):
        for src, text in cases:
            name = f"case-{len(index):05d}.txt"
            with open(os.path.join(d, name), "w", encoding="utf-8", newline="") as fh:
                fh.write(text if text.endswith("\n") else text + "\n")
            index.append((name, label, src))
    return d, index


def pct(a, b):
    return f"{100.0 * a / b:5.1f}%" if b else "   - "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("--keyledger", default="target/release/keyledger")
    ap.add_argument("--gitleaks", default=os.environ.get("GITLEAKS", "gitleaks"))
    ap.add_argument("--work", default="target/bench-detect-public")
    ap.add_argument("--only", default="")
    ap.add_argument("--misses", default="", help="list keyledger's misses / false alarms of this suite (no values)")
    ap.add_argument("--repos", default="formbricks,dub")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    only = set(filter(None, a.only.split(",")))
    tools = {"keyledger": lambda t: run_keyledger(a.keyledger, t)}
    if shutil.which(a.gitleaks) or os.path.exists(a.gitleaks):
        tools["gitleaks"] = lambda t: run_gitleaks(a.gitleaks, t, os.path.join(a.work, "gitleaks.json"))
    print(f"{'suite':<22} {'tool':<10} {'recall':>16} {'flagged negatives':>20} {'blocking neg':>13}")
    for suite, fn in LITERAL_SUITES.items():
        if only and suite not in only:
            continue
        root = os.path.join(a.src, SUITE_DIR[suite])
        if not os.path.isdir(root):
            continue
        pos, neg = fn(root)
        tree, index = write_cases(a.work, suite, pos, neg)
        for tool, run in tools.items():
            t0 = time.time()
            found = {norm(k, tree): v for k, v in run(tree).items()}
            tp = sum(1 for n, l, _ in index if l == "pos" and n in found)
            fp = sum(1 for n, l, _ in index if l == "neg" and n in found)
            fpb = sum(1 for n, l, _ in index if l == "neg" and any(s != "note" for s, _, _ in found.get(n, [])))
            print(
                f"{suite:<22} {tool:<10} {tp:>5}/{len(pos):<5} {pct(tp, len(pos))} {fp:>6}/{len(neg):<5} {pct(fp, len(neg))}"
                f" {fpb:>5} {pct(fpb, len(neg))}  ({time.time() - t0:.1f}s)"
            )
            if a.misses == suite and tool == "keyledger":
                for n, l, src in index:
                    if (l == "pos") != (n in found):
                        print(f"   {'MISS' if l == 'pos' else 'FP  '} {n} {src} {found.get(n, '')}")
    # planted-secret benchmark
    leaky = os.path.join(a.src, "leaky-repo")
    if os.path.isdir(leaky) and (not only or "leaky-repo" in only):
        rows = []
        for r in csv.reader(l for l in open(os.path.join(leaky, ".leaky-meta/secrets.csv")) if l.strip() and not l.startswith("#")):
            rows.append((r[0], int(r[1]), int(r[2])))
        risk = sum(r[1] for r in rows)
        total = sum(r[1] + r[2] for r in rows)
        for tool, run in tools.items():
            found = {norm(k, leaky): v for k, v in run(leaky).items()}
            n = lambda p: len(found.get(p, []))  # noqa: E731
            got_risk = sum(min(n(p), r) for p, r, _ in rows)
            got_all = sum(min(n(p), r + i) for p, r, i in rows)
            extra = sum(len(v) for k, v in found.items() if k not in {p for p, _, _ in rows} and not k.startswith(".leaky-meta"))
            print(
                f"{'leaky-repo':<22} {tool:<10} risk {got_risk}/{risk} {pct(got_risk, risk)}; "
                f"risk+informative {got_all}/{total} {pct(got_all, total)}; findings outside listed files {extra}"
            )
            if a.misses == "leaky-repo" and tool == "keyledger":
                for p, r, i in rows:
                    if n(p) < r:
                        print(f"   {p}: {n(p)}/{r} risk")
    # ordinary repositories
    for repo in filter(None, a.repos.split(",")):
        root = os.path.join(a.src, repo)
        if not os.path.isdir(root) or (only and repo not in only):
            continue
        for tool, run in tools.items():
            found = run(root)
            block = [(k, d) for k, v in found.items() for s, r, d in v if s != "note" and r in ("leaked-credential", "leaked-value") or tool == "gitleaks"]
            notes = sum(1 for v in found.values() for s, _, _ in v if s == "note")
            print(f"{repo:<22} {tool:<10} blocking {len(block):>4}  notes {notes:>4}")
            if a.misses == repo:
                for k, d in block:
                    print(f"   {tool}: {k} {d}")


if __name__ == "__main__":
    main()
