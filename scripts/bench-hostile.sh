#!/usr/bin/env bash
# Time and memory of keyledger on the hostile inputs of issue 12, for one
# build or two side by side (before/after):
#   scripts/bench-hostile.sh                       # target/release/keyledger
#   BEFORE=/path/to/old/keyledger scripts/bench-hostile.sh
# Each run gets TIMEOUT seconds (default 120) and an 8 GiB address-space
# limit (prlimit), so a bomb stops instead of taking the machine; the table
# shows wall seconds, peak RSS and the exit code (124: timed out, 101:
# panicked).
set -euo pipefail
cd "$(dirname "$0")/.."
timeout_s=${TIMEOUT:-120}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }
cargo build --release --locked -q
after=$PWD/target/release/keyledger
dir=$(mktemp -d)
trap "rm -rf \"\$dir\"" EXIT; [ -n "${KEEP:-}" ] && trap - EXIT && echo "kept $dir"
python3 - "$dir" <<'PY'
import json, os, random, string, sys
d = sys.argv[1]
random.seed(12)
inv_ok = ("version: 1\ndefaults: {owner: t, store: {kind: other}, cadence: 90d}\n"
          "secrets:\n  - name: JWT_SECRET\n    last_rotated: 2026-11-01\n")
def repo(name, files):
    for rel, text in files.items():
        p = os.path.join(d, name, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write(text)
# 1. A 365-byte "billion laughs" inventory.
bomb = "version: 1\na: &a [" + ",".join(['"lol"'] * 9) + "]\n"
for prev, cur in zip("abcdefgh", "bcdefghi"):
    bomb += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]\n"
repo("alias-bomb", {"secrets-inventory.yaml": bomb + "secrets: []\n"})
# 2. A mapping of 80,000 keys.
repo("keys-80k", {"secrets-inventory.yaml": "version: 1\nsecrets: []\nx:\n"
                  + "".join(f"  k{i}: {i}\n" for i in range(80000))})
# 3. 1,000,000 tables in keyledger.toml (8.0 MB, under the 8 MiB limit).
A = string.ascii_letters + string.digits
def name(i):
    s = ""
    for _ in range(4):
        s += A[i % 62]; i //= 62
    return "k" + s
repo("toml-1m-tables", {"keyledger.toml": "".join(f"[{name(i)}]\n" for i in range(1000000)),
                        "secrets-inventory.yaml": inv_ok})
# 4. 120,000 AWS key ids in one file.
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
repo("findings-120k", {"secrets-inventory.yaml": inv_ok,
                       "keys.txt": "".join("AKIA" + "".join(random.choice(B32) for _ in range(16)) + "\n"
                                           for _ in range(120000))})
# 5. 40,000 stale baseline entries.
entries = [{"fingerprint": "%016x" % random.getrandbits(64), "rule": "leaked-credential",
            "path": f"gone/{i}.txt"} for i in range(40000)]
repo("stale-40k", {"secrets-inventory.yaml": inv_ok,
                   ".keyledger/baseline.json": json.dumps({"version": 1, "findings": entries}, indent=2)})
# 6. A token at column 80,002 of a bundle.
repo("wide-column", {"secrets-inventory.yaml": inv_ok,
                     "dist/bundle.js": "a=1;" * 20000 + '"ghp_' + "".join(random.choice(A) for _ in range(36)) + '";\n'})
# 7. 5,000 secrets, each with an unknown rotate_with reference.
s = "version: 1\ndefaults: {owner: t, store: {kind: other}, cadence: 90d}\nsecrets:\n"
for i in range(5000):
    s += f"  - name: S{i}\n    last_rotated: 2026-11-01\n    rotate_with: [MISSING_{i}]\n"
repo("unknown-refs-5k", {"secrets-inventory.yaml": s})
PY
mkdir -p "$dir/dev-zero" && ln -s /dev/zero "$dir/dev-zero/secrets-inventory.yaml"
cases=(
  "alias-bomb|check --no-scan"
  "keys-80k|check --no-scan"
  "toml-1m-tables|check --no-scan"
  "findings-120k|check --format json --as-of 2026-11-23"
  "findings-120k|check --as-of 2026-11-23"
  "findings-120k|check --format sarif --as-of 2026-11-23"
  "stale-40k|check --format json --as-of 2026-11-23"
  "stale-40k|check --as-of 2026-11-23"
  "dev-zero|check --no-scan"
  "wide-column|check --as-of 2026-11-23"
  "unknown-refs-5k|check --no-scan --format json --as-of 2026-11-23"
)
one() { # bin case args -> "secs MiB exit"
  local bin=$1 case=$2; shift 2
  local t; t=$(mktemp)
  ( cd "$dir/$case" && /usr/bin/time -f "%e %M %x" -o "$t" timeout "$timeout_s" \
      prlimit --as=$((8 << 30)) "$bin" "$@" . >/dev/null 2>&1 ) || true
  awk '{printf "%7.2f s %6d MiB exit %3s", $1, $2/1024, $3}' "$t"
  rm -f "$t"
}
printf '%-16s %-42s' case command
[ -n "${BEFORE:-}" ] && printf ' | %-29s' before
printf ' | %s\n' after
for c in "${cases[@]}"; do
  case=${c%%|*}; args=${c#*|}
  printf '%-16s %-42s' "$case" "$args"
  # shellcheck disable=SC2086
  [ -n "${BEFORE:-}" ] && printf ' | %s' "$(one "$BEFORE" "$case" $args)"
  # shellcheck disable=SC2086
  printf ' | %s\n' "$(one "$after" "$case" $args)"
done
