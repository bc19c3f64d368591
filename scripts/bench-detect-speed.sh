#!/usr/bin/env bash
# Paired tree-scan timing: two keyledger binaries (before / after a detector
# change) on the same tree, runs interleaved (before 1, after 1, before 2,
# ...) so background load hits both alike. Prints each median, min and max
# wall time, CPU time, and the after/before ratio.
#
#   scripts/bench-detect-speed.sh BEFORE_BIN AFTER_BIN [TREE=~/.cargo/registry/src] [RUNS=7]
#
# Both run `check TREE --inventory scripts/bench-inventory-pii.yaml --format
# json --as-of 2026-11-23` (every content check on, as scripts/bench-scan.sh
# does), under `nice -n ${NICE:-10}`, after one untimed warm-up run each
# and one cat pass over the tree (page cache warm).
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BEFORE=${1:?before binary}
AFTER=${2:?after binary}
TREE=${3:-$HOME/.cargo/registry/src}
RUNS=${4:-7}
NICE=${NICE:-10}
OUT=${OUT:-$REPO/target/bench-detect-speed}
mkdir -p "$OUT"
[ -x "$BEFORE" ] && [ -x "$AFTER" ] || { echo "bench-detect-speed: binaries must be executable" >&2; exit 2; }
[ -d "$TREE" ] || { echo "bench-detect-speed: no such directory: $TREE" >&2; exit 2; }
find "$TREE" -type f -print0 | xargs -0 cat > /dev/null 2>&1
run() { # BIN LABEL I
  local s e
  s=$(date +%s%N)
  nice -n "$NICE" /usr/bin/time -f '%U %S %M' -o "$OUT/$2.$3.time" "$1" check "$TREE" \
    --inventory "$REPO/scripts/bench-inventory-pii.yaml" --format json --as-of 2026-11-23 > "$OUT/$2.json" 2>/dev/null
  e=$(date +%s%N)
  echo "$2 $3 $(( e - s ))" >> "$OUT/runs.txt"
}
: > "$OUT/runs.txt"
run "$BEFORE" before 0; run "$AFTER" after 0
for i in $(seq "$RUNS"); do run "$BEFORE" before "$i"; run "$AFTER" after "$i"; done
python3 - "$OUT" "$RUNS" "$TREE" <<'PY'
import json, os, statistics, sys
out, runs, tree = sys.argv[1], int(sys.argv[2]), sys.argv[3]
walls = {"before": [], "after": []}
for line in open(os.path.join(out, "runs.txt")):
    label, i, ns = line.split()
    if i != "0":
        walls[label].append(int(ns) / 1e9)
def cpu(label):
    v = []
    for i in range(1, runs + 1):
        u, s, _ = open(os.path.join(out, f"{label}.{i}.time")).read().split()[-3:]
        v.append(float(u) + float(s))
    return statistics.median(v)
res = {}
for label in ("before", "after"):
    w = walls[label]
    n = len(json.load(open(os.path.join(out, f"{label}.json")))["findings"])
    res[label] = statistics.median(w)
    print(f"{label:<7} median {statistics.median(w):.3f} s (min {min(w):.3f}, max {max(w):.3f}), CPU {cpu(label):.2f} s, findings {n}")
r = res["after"] / res["before"]
print(f"after/before: {r:.3f} ({(r - 1) * 100:+.1f}%), {runs} interleaved runs on {tree}")
PY
