#!/usr/bin/env bash
# First-day adoption on two real monorepos (issue 15's measurements), one
# command:
#
#   scripts/bench-adoption.sh
#
# - formbricks/formbricks at b66c1dd9 with a hand-written 18-secret
#   inventory (scripts/adoption/formbricks.yaml): findings by rule and
#   severity; the target is <= 3 `hardcoded-secret` errors, all
#   credential-shaped.
# - dubinc/dub at 1de955f7: `init`, then `check`: entries drafted (target
#   <= 90, every client-prefixed name public) and blocking findings beyond
#   the draft's fill-in policies (owner-required, store-required; target
#   <= 5); then `baseline` and `check` again (target: 0 blocking, no
#   warning about the baseline, the baseline identical on a second run).
#
# Sources: KL_BENCH_FORMBRICKS / KL_BENCH_DUB name git directories (default:
# the bare mirrors the `fetch` tool writes under /work/.mirror); elsewhere
# `git clone --mirror https://github.com/formbricks/formbricks` (newer
# commits; the script checks out the ones measured when they exist).
# Everything happens in copies under target/bench-adoption.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
OUT=$REPO/target/bench-adoption
AS_OF=${AS_OF:-2026-12-03}
FB=${KL_BENCH_FORMBRICKS:-/work/.mirror/formbricks+formbricks/repo}
DUB=${KL_BENCH_DUB:-/work/.mirror/dubinc+dub/repo}
cargo build --release --locked -q
KL=$REPO/target/release/keyledger
rm -rf "$OUT" && mkdir -p "$OUT"

checkout() { # git-dir commit dest
  git clone -q --shared "$1" "$3"
  git -C "$3" checkout -q "$2" 2> /dev/null || echo "note: $2 not in $1; measuring $(git -C "$3" rev-parse --short HEAD)"
}
summary() { # json
  python3 - "$1" << 'EOF'
import collections, json, sys
d = json.load(open(sys.argv[1]))
live = [f for f in d["findings"] if not f.get("suppressed")]
c = collections.Counter((f["rule"], f["severity"]) for f in live)
for (rule, sev), n in sorted(c.items()):
    print(f"  {rule:28} {sev:8} {n}")
draft = {"owner-required", "store-required", "strict-description"}
beyond = [f for f in live if f["severity"] == "error" and f["rule"] not in draft]
print(f"  blocking: {d['summary']['blocking']}; errors beyond the draft's fill-in policies: {len(beyond)}")
print(f"  hardcoded-secret errors: {sum(1 for f in live if f['rule'] == 'hardcoded-secret' and f['severity'] == 'error')}")
EOF
}

echo "== formbricks, 18-secret inventory"
checkout "$FB" b66c1dd978 "$OUT/formbricks"
"$KL" check "$OUT/formbricks" --inventory scripts/adoption/formbricks.yaml --as-of "$AS_OF" \
  --format json > "$OUT/formbricks.json" || [ $? = 1 ]
summary "$OUT/formbricks.json"

echo "== dub: init, then check"
checkout "$DUB" 1de955f782 "$OUT/dub"
"$KL" init "$OUT/dub" 2>&1 | sed 's/^/  /'
echo "  drafted: $(grep -c '^  - name:' "$OUT/dub/secrets-inventory.yaml") entries;" \
  "public: $(grep -c 'exposure: public' "$OUT/dub/secrets-inventory.yaml")"
"$KL" check "$OUT/dub" --as-of "$AS_OF" --format json > "$OUT/dub.json" || [ $? = 1 ]
summary "$OUT/dub.json"

echo "== dub: baseline, then check"
"$KL" baseline "$OUT/dub" --as-of "$AS_OF" 2>&1 | sed 's/^/  /'
cp "$OUT/dub/.keyledger/baseline.json" "$OUT/baseline-1.json"
"$KL" check "$OUT/dub" --as-of "$AS_OF" 2>&1 | tail -n 1 | sed 's/^/  /'
"$KL" baseline "$OUT/dub" --as-of "$AS_OF" > /dev/null 2>&1
cmp -s "$OUT/baseline-1.json" "$OUT/dub/.keyledger/baseline.json" &&
  echo "  baseline stable across runs" || echo "  BASELINE CHANGED between runs"
