#!/usr/bin/env bash
# Benchmarks (separate from the tests; they print tables, nothing is asserted).
#   bash tests/bench.sh          BENCH_USERS=N sets how many users derive (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -p builder
(cd tests && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
native=$(mktemp)
echo "native timings (cargo run --release -p worker --example bench)..."
cargo run --locked --release -q -p worker --example bench > "$native"
echo "browser timings (Chromium, builder serve)..."
(cd tests && node bench/crypto.mjs "$native")
rm -f "$native"
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
