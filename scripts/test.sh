#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need
# (the real `pre-commit`, `moto[server]` and `awscli` from PyPI, into .venv),
# then runs every test once.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
if [ ! -x .venv/bin/pre-commit ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet pre-commit
fi
# The evidence tests drive a local AWS-compatible server (moto) with the
# real aws CLI (tests/evidence.rs starts and stops the server itself).
if [ ! -x .venv/bin/moto_server ] || [ ! -x .venv/bin/aws ]; then
  .venv/bin/pip install --quiet 'moto[server]' awscli
fi
export PATH="$PWD/.venv/bin:$PATH"
cargo test --locked --all-targets "$@"
