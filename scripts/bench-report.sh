#!/usr/bin/env bash
# Org-wide report benchmark: N repositories (default 2000), each checked
# with `keyledger check --format json --repository acme/svc-NNNN` as a CI
# matrix would, then `keyledger report OUTPUTS/` merging every output.
# Prints the median wall time and peak memory of the merge over RUNS runs
# (default 5), with two floors measured in the same run (reading the bytes;
# parsing every file with Python's json), and checks that the report lists
# every repository.
#
#   scripts/bench-report.sh [N] [RUNS]      (BUILD=0 to skip cargo build)
#
# The repositories and outputs are generated once under
# ~/.cache/keyledger-bench/report-N/ (synthetic inventories: 5 to 40
# secrets, 40 teams, mixed cadences, waivers; a synthetic token in one
# repository in ten) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2000}"
runs="${2:-5}"
if [ "${BUILD:-1}" != 0 ]; then cargo build --release --locked --quiet; fi
kl="$PWD/target/release/keyledger"
base="$HOME/.cache/keyledger-bench/report-$n"
outputs="$base/outputs"

if [ "$(find "$outputs" -name keyledger.json 2>/dev/null | wc -l)" != "$n" ]; then
  rm -rf "$base"
  mkdir -p "$base/repos" "$outputs"
  echo "generating $n repositories in $base/repos"
  python3 - "$base/repos" "$n" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(17)
teams = [f"team-{i:02d}" for i in range(40)]
kinds = ["aws-secrets-manager", "hashicorp-vault", "gcp-secret-manager", "azure-key-vault", "github-actions", "1password", "other"]
cadences = ["30d", "90d", "monthly", "quarterly", "yearly", "P180D", "on-compromise"]
radii = ["low", "medium", "high", "critical"]
alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
for r in range(n):
    d = os.path.join(root, f"svc-{r:04d}")
    os.makedirs(os.path.join(d, "src"))
    owner = rnd.choice(teams)
    lines = ["version: 1", "defaults:", f"  owner: {owner}", "  cadence: 90d", "secrets:"]
    names = []
    for i in range(rnd.randint(5, 40)):
        name = f"SVC{r}_SECRET_{i}_KEY"
        names.append(name)
        lines += [f"  - name: {name}",
                  f"    owner: {rnd.choice(teams + [owner] * 20)}",
                  f"    store: {{kind: {rnd.choice(kinds)}, ref: prod/svc-{r}/{i}}}",
                  f"    cadence: {rnd.choice(cadences)}",
                  f"    blast_radius: {rnd.choice(radii)}"]
        if rnd.random() < 0.9:
            lines.append(f"    last_rotated: 2026-{rnd.randint(1, 11):02d}-{rnd.randint(1, 28):02d}")
    lines.append("waivers:")
    lines.append(f"  - {{rule: rotation-overdue, secret: {names[0]}, reason: vendor migration, expires: 2027-0{rnd.randint(1, 6)}-15}}")
    with open(os.path.join(d, "secrets-inventory.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(d, "src", "config.py"), "w") as f:
        f.write("import os\n" + "".join(f"{n} = os.environ['{n}']\n" for n in names))
    if r % 10 == 0:
        token = "ghp_" + "".join(rnd.choice(alphabet) for _ in range(36))
        with open(os.path.join(d, "deploy.sh"), "w") as f:
            f.write(f"export GH_TOKEN={token}\n")
PY
  echo "checking each repository (keyledger check --format json)"
  export kl outputs
  # shellcheck disable=SC2016 # the inner script expands its own variables
  find "$base/repos" -mindepth 1 -maxdepth 1 -type d -print0 | sort -z \
    | xargs -0 -P "$(nproc)" -I{} sh -c '
        name=$(basename "$1"); mkdir -p "$outputs/$name"
        cd "$1" && "$kl" check . --as-of 2026-11-23 --repository "acme/$name" --format json \
          > "$outputs/$name/keyledger.json"; test $? -le 1' _ {}
fi
files=$(find "$outputs" -name keyledger.json | wc -l)
bytes=$(find "$outputs" -name keyledger.json -exec cat {} + | wc -c)
echo "inputs: $files check outputs, $((bytes / 1024 / 1024)) MiB"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # label, command...
  local label=$1; shift
  local walls=() rss=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$base/time" "$@" > "$base/out" 2>"$base/err" || { cat "$base/err"; exit 1; }
    read -r w m < "$base/time"; walls+=("$w"); rss+=("$m")
  done
  printf '%-44s median %6.2f s  peak %5d MiB  (%s runs: %s)\n' "$label" \
    "$(printf '%s\n' "${walls[@]}" | median)" "$(( $(printf '%s\n' "${rss[@]}" | median) / 1024 ))" \
    "$runs" "${walls[*]}"
}
measure "cat every output (floor)" sh -c "find '$outputs' -name keyledger.json -exec cat {} + > /dev/null"
measure "python3 json.load of every output" python3 -c "
import json, pathlib, sys
for p in pathlib.Path(sys.argv[1]).rglob('keyledger.json'): json.load(open(p))" "$outputs"
measure "keyledger report --format json" "$kl" report "$outputs" --quarter 2026-Q4 --format json
cp "$base/out" "$base/report.json"
measure "keyledger report --format html" "$kl" report "$outputs" --quarter 2026-Q4 --format html
measure "keyledger report (markdown)" "$kl" report "$outputs" --quarter 2026-Q4
python3 - "$base/report.json" "$n" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); n = int(sys.argv[2])
repos = {i["repository"] for i in doc["inventories"]}
checks = {c["repository"] for c in doc["checks"]}
assert len(repos) == n and len(checks) == n, (len(repos), len(checks))
print(f"the report lists all {len(repos)} repositories ({doc['summary']['secrets']} secrets, "
      f"{doc['summary']['listed']} listed, {sum(c['blocking'] > 0 for c in doc['checks'])} repositories with blocking findings)")
PY
