#!/usr/bin/env bash
# Renders the HTML report of the multi-repository fixture with headless
# Chromium and writes docs/report-screenshot.png (shown in the README).
# Needs Debian's `chromium` package (`apt-get install -y chromium`); the test
# suite does not. Usage: scripts/report-screenshot.sh [OUT.png] [WIDTHxHEIGHT]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/report-screenshot.png}"
size="${2:-1280,1400}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
    echo "report-screenshot: chromium not found (apt-get install -y chromium)" >&2
    exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

manifest="$PWD/Cargo.toml"
(cd fixtures/report && cargo run --quiet --manifest-path "$manifest" -- report \
    payments/secrets-inventory.yaml identity/secrets-inventory.yaml \
    --quarter 2026-Q4 --format html) > "$work/report.html"

"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$work/profile" \
    --screenshot="$work/shot.png" --window-size="$size" \
    "file://$work/report.html" 2> "$work/chromium.log" || {
    cat "$work/chromium.log" >&2
    exit 1
}
mkdir -p "$(dirname "$out")"
mv "$work/shot.png" "$out"
echo "wrote $out"
