#!/usr/bin/env python3
"""Builds a git repository with thousands of commits of real code, for the
history and staged-check benchmarks: each commit adds a few source files
from a source tree (default: the crate sources under ~/.cargo/registry/src)
and edits one file added earlier. Uses `git fast-import`, so it takes
seconds, not minutes.

    scripts/make-history-repo.py DEST [--commits 5000] [--source DIR]
"""
import argparse
import os
import random
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("dest")
ap.add_argument("--commits", type=int, default=5000)
ap.add_argument("--source", default=os.path.expanduser("~/.cargo/registry/src"))
args = ap.parse_args()

files = []
for dirpath, dirnames, filenames in os.walk(args.source):
    dirnames.sort()
    for f in sorted(filenames):
        p = os.path.join(dirpath, f)
        if os.path.islink(p):
            continue
        try:
            if os.path.getsize(p) <= 256 * 1024:
                files.append(p)
        except OSError:
            pass
if not files:
    sys.exit(f"no files under {args.source}")
random.seed(42)
os.makedirs(args.dest, exist_ok=True)
subprocess.run(["git", "init", "-q", "-b", "main", args.dest], check=True)
fi = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=args.dest, stdin=subprocess.PIPE)
out = fi.stdin
added = []
per_commit = max(1, len(files) // args.commits)
i = 0
for n in range(args.commits):
    batch = files[i:i + per_commit] if i < len(files) else []
    i += per_commit
    lines = []
    for p in batch:
        rel = os.path.relpath(p, args.source).replace(os.sep, "/")
        rel = "/".join(rel.split("/")[1:]) or rel
        with open(p, "rb") as fh:
            data = fh.read()
        lines.append((rel, data))
        added.append(rel)
    if added:
        victim = random.choice(added)
        lines.append((victim, f"// edit {n}\n".encode() * (1 + n % 3)))
    msg = f"commit {n}\n".encode()
    out.write(b"commit refs/heads/main\n")
    out.write(f"committer Bench <bench@example.com> {1700000000 + n * 60} +0000\n".encode())
    out.write(b"data %d\n%s" % (len(msg), msg))
    for rel, data in lines:
        out.write(f"M 100644 inline {rel}\n".encode())
        out.write(b"data %d\n" % len(data))
        out.write(data)
        out.write(b"\n")
out.close()
if fi.wait() != 0:
    sys.exit("git fast-import failed")
subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=args.dest, check=True)
count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=args.dest, capture_output=True, text=True).stdout.strip()
print(f"{args.dest}: {count} commits, {len(added)} files added")
