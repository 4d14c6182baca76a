#!/usr/bin/env bash
# Soak tests (not part of tests/run.sh). Last line of each:
#   soak: sent N delivered N duplicated D lost L
#   bash tests/soak.sh [N]                    N (default 1000) messages between two Chromium
#                                             peers while tabs reload, close and reopen and the
#                                             tracker restarts
#   bash tests/soak.sh --never-together [N]   N (default 100) messages through the mailbox
#                                             between two peers whose online windows never
#                                             overlap, with reloads and a relay restart
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked -q -p builder
(cd tests && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
if [ "${1:-}" = --never-together ]; then
  command -v nostr-rs-relay >/dev/null || { echo "nostr-rs-relay is missing: run tests/run.sh once (it installs it)"; exit 1; }
  cd tests && exec node soak/never-together.mjs "${2:-100}"
fi
cd tests && exec node soak/soak.mjs "${1:-1000}"
