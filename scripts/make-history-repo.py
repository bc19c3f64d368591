#!/usr/bin/env python3
"""Builds a git repository with thousands of commits of real code, for the
history and staged-check benchmarks. Uses `git fast-import`, so it takes
seconds, not minutes.

The code is the crate sources this project locks (`Cargo.lock`, fetched by
`cargo fetch --locked` into ~/.cargo/registry/src), so the same checkout
builds the same repository on every machine. History is shaped like a real
project's: each commit adds a few files and edits two or three files added
earlier with line-level changes (a block of real code inserted, a few lines
deleted), so later versions of a file are full-size blobs that differ a
little; every 40th commit renames a file, every 97th deletes one, and every
25th commit is merged from a side branch.

    scripts/make-history-repo.py DEST [--commits 5000] [--source DIR] [--lock Cargo.lock]

(`--lock ''` takes every directory under the source's index directories.)
"""
import argparse
import os
import random
import re
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("dest")
ap.add_argument("--commits", type=int, default=5000)
ap.add_argument("--source", default=os.path.expanduser("~/.cargo/registry/src"))
ap.add_argument("--lock", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Cargo.lock"))
args = ap.parse_args()

# The locked packages, as `name-version` directory names.
wanted = None
if args.lock and os.path.exists(args.lock):
    text = open(args.lock, encoding="utf-8").read()
    wanted = {f"{n}-{v}" for n, v in re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', text)}

files = []
for index in sorted(os.listdir(args.source)) if os.path.isdir(args.source) else []:
    top = os.path.join(args.source, index)
    for crate in sorted(os.listdir(top)):
        if wanted is not None and crate not in wanted:
            continue
        for dirpath, dirnames, filenames in os.walk(os.path.join(top, crate)):
            dirnames.sort()
            for f in sorted(filenames):
                p = os.path.join(dirpath, f)
                if os.path.islink(p) or f == ".gitattributes":
                    continue
                try:
                    if os.path.getsize(p) <= 256 * 1024:
                        files.append((os.path.relpath(p, top), p))
                except OSError:
                    pass
if not files:
    sys.exit(f"no files under {args.source} (run `cargo fetch --locked` first)")

rng = random.Random(42)
os.makedirs(args.dest, exist_ok=True)
subprocess.run(["git", "init", "-q", "-b", "main", args.dest], check=True)
fi = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=args.dest, stdin=subprocess.PIPE)
out = fi.stdin

tree = {}  # path -> bytes, the tip of main
paths = []  # paths in tree, in order of addition (for random picks)
per_commit = max(1, len(files) // args.commits)
pool = [p for _, p in files]


def read(p):
    with open(p, "rb") as fh:
        return fh.read()


def edit(data):
    """A line-level change: a block of real code in, a few lines out."""
    lines = data.split(b"\n")
    donor = read(rng.choice(pool)).split(b"\n")
    at = rng.randrange(len(lines) + 1)
    start = rng.randrange(max(1, len(donor)))
    block = donor[start:start + rng.randint(1, 12)]
    drop = rng.randint(0, 3)
    lines[at:at + drop] = block
    return b"\n".join(lines)


marks = 0
tip = None  # mark of main's tip


def commit(ref, n, changes, deletes=(), renames=(), parent=None, merge=None, offset=0):
    global marks
    marks += 1
    msg = f"commit {n}\n".encode()
    out.write(f"commit {ref}\n".encode())
    out.write(f"mark :{marks}\n".encode())
    out.write(f"committer Bench <bench@example.com> {1700000000 + n * 60 + offset} +0000\n".encode())
    out.write(b"data %d\n%s" % (len(msg), msg))
    if parent:
        out.write(f"from :{parent}\n".encode())
    if merge:
        out.write(f"merge :{merge}\n".encode())
    for src, dst in renames:
        out.write(f'R "{src}" "{dst}"\n'.encode())
    for p in deletes:
        out.write(f'D "{p}"\n'.encode())
    for p, data in changes:
        out.write(f'M 100644 inline "{p}"\n'.encode())
        out.write(b"data %d\n" % len(data))
        out.write(data)
        out.write(b"\n")
    return marks


i = 0
for n in range(args.commits):
    changes = []
    for rel, p in files[i:i + per_commit]:
        if rel in tree:
            continue
        tree[rel] = read(p)
        paths.append(rel)
        changes.append((rel, tree[rel]))
    i += per_commit
    for _ in range(rng.randint(1, 3) if paths else 0):
        victim = rng.choice(paths)
        tree[victim] = edit(tree[victim])
        changes.append((victim, tree[victim]))
    renames, deletes = [], []
    edited = {p for p, _ in changes}
    if n % 40 == 39 and paths:
        src = rng.choice(paths)
        if src not in edited:
            dst = src.rsplit("/", 1)[0] + f"/renamed_{n}_" + src.rsplit("/", 1)[-1]
            renames.append((src, dst))
            tree[dst] = tree.pop(src)
            paths[paths.index(src)] = dst
    if n % 97 == 96 and len(paths) > 1:
        gone = rng.choice(paths)
        if gone not in edited and all(gone not in r for r in renames):
            deletes.append(gone)
            del tree[gone]
            paths.remove(gone)
    if n % 25 == 24 and tip is not None:
        # The change lands on a side branch first, then is merged into main
        # (whose tree becomes the side's).
        side = commit("refs/heads/side", n, changes, deletes, renames, parent=tip)
        tip = commit("refs/heads/main", n, changes, deletes, renames, parent=tip, merge=side, offset=30)
    else:
        tip = commit("refs/heads/main", n, changes, deletes, renames, parent=tip)
out.close()
if fi.wait() != 0:
    sys.exit("git fast-import failed")
subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=args.dest, check=True)
# Pack as a real clone would be: deltas, one pack.
subprocess.run(["git", "gc", "-q", "--prune=now"], cwd=args.dest, check=True)
count = subprocess.run(["git", "rev-list", "--count", "--all"], cwd=args.dest, capture_output=True, text=True).stdout.strip()
print(f"{args.dest}: {count} commits, {len(tree)} files at the tip")
