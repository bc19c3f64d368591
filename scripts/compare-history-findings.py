#!/usr/bin/env python3
"""Compares two `keyledger check --history --format json` outputs on the
same repository by what each finding points at: its rule and a hash of the
text its span covers (read from the repository, never printed). A finding
counts as lost only if no finding of the other output points at the same
value; for the same value attributed to another commit, the commits' dates
say which attribution is older.

    scripts/compare-history-findings.py GIT_DIR OLD.json NEW.json
"""
import json, sys, subprocess, hashlib
repo, old, new = sys.argv[1:4]
cache = {}
def blob(commit, path):
    k = (commit, path)
    if k not in cache:
        r = subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"], capture_output=True)
        cache[k] = r.stdout.decode("utf-8", "replace").split("\n")
    return cache[k]
def ident(f):
    lines = blob(f["commit"], f["path"])
    l, c, el, ec = f["line"], f["column"], f["end_line"], f["end_column"]
    if el == l:
        text = lines[l-1][c-1:ec-1] if l-1 < len(lines) else ""
    else:
        text = "\n".join([lines[l-1][c-1:]] + lines[l:el-1] + [lines[el-1][:ec-1]]) if el-1 < len(lines) else ""
    return (f["rule"], hashlib.sha256(text.encode()).hexdigest()[:16])
def date(c):
    return int(subprocess.run(["git", "-C", repo, "show", "-s", "--format=%ct", c], capture_output=True, text=True).stdout.strip() or 0)
O = {}
for f in json.load(open(old))["findings"]: O.setdefault(ident(f), []).append(f)
N = {}
for f in json.load(open(new))["findings"]: N.setdefault(ident(f), []).append(f)
lost = set(O) - set(N); gained = set(N) - set(O)
print(f"old {sum(map(len,O.values()))} findings ({len(O)} distinct values), new {sum(map(len,N.values()))} ({len(N)}): {len(lost)} values lost, {len(gained)} new")
for k in sorted(lost): print("  lost:", k[0], [(f['path'], f['line']) for f in O[k]])
for k in sorted(gained): print("  new: ", k[0], [(f['path'], f['line']) for f in N[k]])
earlier = later = same = 0
for k in set(O) & set(N):
    a = min(date(f["commit"]) for f in O[k]); b = min(date(f["commit"]) for f in N[k])
    if a == b: same += 1
    elif b < a: earlier += 1
    else: later += 1
print(f"same value: {same} at a commit of the same date, {earlier} at an older commit now, {later} at a newer commit now")
