#!/usr/bin/env bash
# Benchmark: `keyledger check --no-scan` (the inventory job) on a generated
# 5,000-secret inventory with every built-in pack on, a repository policy and
# waivers. Prints the median
# wall time of N runs per output format.
#   scripts/bench-inventory.sh [SECRETS=5000] [RUNS=21]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
runs=${2:-21}
cargo build --release --locked -q
bin=$PWD/target/release/keyledger
dir=$(mktemp -d)
trap "rm -rf \"\$dir\"" EXIT; [ -n "${KEEP:-}" ] && trap - EXIT && echo "kept $dir"
python3 - "$dir" "$n" <<'PY'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
os.makedirs(f"{d}/docs/runbooks", exist_ok=True)
os.makedirs(f"{d}/.keyledger/policies", exist_ok=True)
open(f"{d}/docs/runbooks/rotate.md", "w").write("# Rotate\n")
open(f"{d}/keyledger.toml", "w").write('[policies]\npacks = ["baseline", "strict", "pci-dss"]\n')
open(f"{d}/.keyledger/policies/team.yaml", "w").write(
    "id: team-tokens-documented\ndescription: Tokens have a description and consumers\nseverity: warning\n"
    "match: { name: [\"*_TOKEN\"] }\nrequire: { description: true, used_by: true }\n")
kinds = ["azure-key-vault", "aws-secrets-manager", "hashicorp-vault", "kubernetes-secret", "github-actions", "env-file"]
cadences = ["30d", "90d", "quarterly", "monthly", "yearly", "P180D", "on-compromise"]
suffix = ["_TOKEN", "_PASSWORD", "_ENCRYPTION_KEY", "_API_KEY", "_SECRET", "_DATABASE_URL"]
lines = ["version: 1", "defaults:", "  owner: platform-team", "  cadence: 90d", "secrets:"]
names = [f"SVC{i:05d}{random.choice(suffix)}" for i in range(n)]
for i in range(n):
    name = names[i]
    lines.append(f"  - name: {name}")
    if random.random() < 0.8:
        lines.append(f"    description: Secret number {i} for service svc-{i % 97}")
    lines.append(f"    owner: team-{i % 23}")
    lines.append(f"    store: {{kind: {random.choice(kinds)}, ref: prod/svc/{i}}}")
    lines.append(f"    used_by: [svc-{i % 97}]")
    lines.append(f"    cadence: {random.choice(cadences)}")
    if random.random() < 0.9:
        lines.append(f"    last_rotated: 2026-{random.randint(1, 11):02d}-{random.randint(1, 28):02d}")
    lines.append(f"    blast_radius: {random.choice(['low', 'medium', 'high', 'critical'])}")
    if random.random() < 0.3:
        lines.append("    runbook: docs/runbooks/rotate.md")
    if i and random.random() < 0.1:
        # One rotation group in ten; one reference in a hundred is a typo.
        other = names[i - 1] if random.random() < 0.99 else names[i - 1] + "S"
        lines.append(f"    rotate_with: [{other}]")
lines.append("waivers:")
for i in range(0, n, 50):
    lines.append(f"  - rule: rotation-overdue\n    reason: vendor window\n    expires: 2027-03-31")
open(f"{d}/secrets-inventory.yaml", "w").write("\n".join(lines) + "\n")
PY
size=$(wc -c < "$dir/secrets-inventory.yaml")
echo "inventory: $n secrets, $size bytes, packs baseline+strict+pci-dss + 1 repository policy"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for fmt in json human; do
  "$bin" check "$dir" --no-scan --as-of 2026-11-23 --format "$fmt" > "$dir/out.$fmt" || true
  for _ in $(seq "$runs"); do
    s=$(date +%s%N)
    "$bin" check "$dir" --no-scan --as-of 2026-11-23 --format "$fmt" > /dev/null || true
    e=$(date +%s%N)
    echo $(( (e - s) / 1000 ))
  done | median > "$dir/median"
  findings=$(python3 -c "import json;print(len(json.load(open('$dir/out.json'))['findings']))")
  printf 'format %-5s: median %.1f ms over %d runs (%s findings)\n' "$fmt" "$(echo "$(cat "$dir/median") / 1000" | bc -l)" "$runs" "$findings"
done
