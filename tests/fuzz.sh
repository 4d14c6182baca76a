#!/usr/bin/env bash
# The long fuzzing pass: every decoder that takes bytes from a peer, tracker
# or relay, fed ITERATIONS mutated inputs each (default 1,000,000).
# tests/run.sh runs the same targets with 20,000 each.
#
#   bash tests/fuzz.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
export TRUSTERO_FUZZ_ITERATIONS=${1:-1000000}
echo "fuzzing with $TRUSTERO_FUZZ_ITERATIONS inputs per target"
cargo test --release --locked -p worker --test fuzz
cargo test --release --locked -p builder --lib mutated_messages_never_panic_and_stay_bounded
(cd tests && node --test js/fuzz.test.mjs)
echo "fuzz: $TRUSTERO_FUZZ_ITERATIONS inputs per target, no panic, no bound exceeded"
