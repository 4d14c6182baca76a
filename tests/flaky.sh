#!/usr/bin/env bash
# Runs one browser test file N times and prints, per test, how many runs it
# passed: "K of N passed  <test name>", then the error of every failure.
# Exits non-zero if any test failed in any run. Each run's TAP output is
# kept in a directory named at the end.
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

out=$(mktemp -d "${TMPDIR:-/tmp}/trustero-flaky-XXXXXX")
for run in $(seq "$RUNS"); do
  args=(--test --test-concurrency=1 --test-timeout=300000 --test-reporter=tap)
  [ -n "$PATTERN" ] && args+=(--test-name-pattern="$PATTERN")
  node "${args[@]}" "$FILE" >"$out/run-$run.tap" 2>&1 || true
  printf 'run %d of %d done\n' "$run" "$RUNS" >&2
done

# "ok N - name" / "not ok N - name" lines of the file's tests (not skipped ones).
results() { grep -hE '^ *(not )?ok [0-9]+ - ' "$out"/run-*.tap | grep -v '# SKIP' | sed -E 's/^ +//; s/^(not )?ok [0-9]+ - /\1ok - /' | grep -vF -- "- $FILE"; }
failed=0
while IFS= read -r name; do
  passed=$(results | grep -cFx "ok - $name" || true)
  printf '%d of %d passed  %s\n' "$passed" "$RUNS" "$name"
  [ "$passed" -eq "$RUNS" ] || failed=1
done < <(results | sed -E 's/^(not )?ok - //' | awk '!seen[$0]++')
if [ "$failed" -ne 0 ]; then
  echo "failures:"
  grep -hE -A14 '^ *not ok [0-9]+ - ' "$out"/run-*.tap | grep -E 'not ok|error:|timed out|Error' | head -40
fi
echo "TAP output of each run: $out"
exit $failed
