#!/usr/bin/env bash
# Runs one browser test file N times and prints, per test, how many runs it
# passed: "K of N passed  <test name>". Exits non-zero if any test failed
# in any run.
#
#   bash tests/flaky.sh e2e/chat.test.mjs 20
#   bash tests/flaky.sh e2e/chat.test.mjs 20 'backlog'   # only tests matching a pattern
#
# Needs what tests/run.sh installs (run it once first) and target/debug/builder.
set -euo pipefail
cd "$(dirname "$0")"
FILE=${1:?usage: tests/flaky.sh FILE [N] [NAME-PATTERN]}
RUNS=${2:-5}
PATTERN=${3:-}
ROOT=$(cd .. && pwd)
export TRUSTERO_BUILDER=${TRUSTERO_BUILDER:-$ROOT/target/debug/builder}
[ -x "$TRUSTERO_BUILDER" ] || (cd "$ROOT" && cargo build -p builder --locked)

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for run in $(seq "$RUNS"); do
  args=(--test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap)
  [ -n "$PATTERN" ] && args+=(--test-name-pattern="$PATTERN")
  # TAP lines "ok N - name" / "not ok N - name" of the file's tests.
  node "${args[@]}" "$FILE" 2>/dev/null | grep -E '^    (not )?ok [0-9]+ - |^(not )?ok [0-9]+ - ' \
    | grep -v " - $FILE\$" | sed -E 's/^ +//' >>"$results" || true
  printf 'run %d of %d done\n' "$run" "$RUNS" >&2
done

failed=0
while IFS= read -r name; do
  passed=$(grep -cFx "ok - $name" < <(sed -E 's/^(not )?ok [0-9]+ - /\1ok - /' "$results") || true)
  printf '%d of %d passed  %s\n' "$passed" "$RUNS" "$name"
  [ "$passed" -eq "$RUNS" ] || failed=1
done < <(sed -E 's/^(not )?ok [0-9]+ - //' "$results" | awk '!seen[$0]++')
exit $failed
