#!/usr/bin/env bash
# Benchmarks (separate from the tests; they print tables, nothing is asserted).
#   bash tests/bench.sh [crypto|network|meet|relay-load|chat|transfer|groups|calls|mailbox|devices|all]      (default: all)
# Knobs: BENCH_USERS (identities derived, default 5), BENCH_RUNS (connect runs,
# default 20), BENCH_IDLE_MS (idle time of the first peer, default 5000),
# BENCH_ROUNDS (throughput rounds, default 7).
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
cargo build --locked -q -p builder
(cd tests && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
if [ "$which" = crypto ] || [ "$which" = all ]; then
  native=$(mktemp)
  echo "native timings (cargo run --release -p worker --example bench)..."
  cargo run --locked --release -q -p worker --example bench > "$native"
  echo "browser timings (Chromium, builder serve)..."
  (cd tests && node bench/crypto.mjs "$native")  # also the first visit's bytes, beside a previous release (BENCH_PREVIOUS, a git commit)
  rm -f "$native"
fi
if [ "$which" = network ] || [ "$which" = all ]; then
  command -v nostr-rs-relay >/dev/null || { echo "nostr-rs-relay is missing: run tests/run.sh once (it installs it)"; exit 1; }
  echo
  echo "matchmaking and throughput (Chromium; builder serve, bittorrent-tracker, nostr-rs-relay, Trystero)..."
  (cd tests && node bench/network.mjs)
fi
if [ "$which" = meet ] || [ "$which" = all ]; then
  echo
  echo "meeting with shipped settings, through the Contacts form (Chromium; builder serve)..."
  (cd tests && node bench/meet.mjs)  # BENCH_MEET_RUNS=5, BENCH_ROOT=<another checkout> for a before/after
fi
if [ "$which" = relay-load ] || [ "$which" = all ]; then
  command -v nostr-rs-relay >/dev/null || { echo "nostr-rs-relay is missing: run tests/run.sh once (it installs it)"; exit 1; }
  echo
  echo "load on relays and trackers, 50 contacts and 3 groups, beside a Trystero room (Chromium; bittorrent-tracker, nostr-rs-relay; ~16 min)..."
  (cd tests && node bench/relay-load.mjs)  # BENCH_LOAD_SETTLE_S=240, BENCH_LOAD_WINDOW_S=360, BENCH_LOAD_CONTACTS=50
fi
if [ "$which" = chat ] || [ "$which" = all ]; then
  echo
  echo "chat (Chromium, builder serve tracker)..."
  (cd tests && node bench/chat.mjs)
fi
if [ "$which" = transfer ] || [ "$which" = all ]; then
  echo
  echo "file transfer (Chromium, builder serve tracker)..."
  (cd tests && node bench/transfer.mjs)  # BENCH_TRANSFER_MIB=20,200
fi
if [ "$which" = groups ] || [ "$which" = all ]; then
  echo
  echo "large groups (Chromium, builder serve tracker; simulated groups of 100-500)..."
  (cd tests && node bench/groups.mjs)  # BENCH_GROUP_PAGES=10, BENCH_GROUP_MESSAGES=30, BENCH_GROUP_CONNECTIONS
fi
if [ "$which" = calls ] || [ "$which" = all ]; then
  echo
  echo "calls (Chromium fake devices, builder serve tracker)..."
  (cd tests && node bench/calls.mjs)
fi
if [ "$which" = mailbox ] || [ "$which" = all ]; then
  command -v nostr-rs-relay >/dev/null || { echo "nostr-rs-relay is missing: run tests/run.sh once (it installs it)"; exit 1; }
  echo
  echo "mailbox (Chromium; builder serve, nostr-rs-relay)..."
  (cd tests && node bench/mailbox.mjs)
fi
if [ "$which" = devices ] || [ "$which" = all ]; then
  echo
  echo "devices (Chromium; builder serve tracker and relay, default settings)..."
  (cd tests && node bench/devices.mjs)
fi
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
