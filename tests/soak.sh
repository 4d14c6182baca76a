#!/usr/bin/env bash
# Soak test (not part of tests/run.sh): MESSAGES (default 1000) between two
# Chromium peers while tabs reload, close and reopen and the tracker restarts.
# Last line: soak: sent N delivered N duplicated D lost L
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -q -p builder
(cd tests && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
cd tests && exec node soak/soak.mjs "${1:-1000}"
