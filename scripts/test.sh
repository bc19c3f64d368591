#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need
# (nothing beyond the Rust toolchain yet), then runs every test once.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
cargo test --locked --all-targets "$@"
