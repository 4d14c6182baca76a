#!/usr/bin/env bash
# Trustero's whole test suite. Installs what it needs on a fresh Debian
# machine (wasm target, wasm-bindgen test runner, Chromium + ChromeDriver,
# npm dev packages, cargo-deny, nostr-rs-relay), then runs every check and
# prints a summary.
#
#   bash tests/run.sh
#
# Benchmarks are separate (tests/bench.sh); nothing here asserts a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STARTED=$(date +%s)
STEPS=0
CURRENT=""

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
step() {
  CURRENT=$1
  shift
  say "$CURRENT"
  local t0
  t0=$(date +%s)
  "$@"
  STEPS=$((STEPS + 1))
  printf -- '-- %s: ok (%s)\n' "$CURRENT" "$(elapsed "$t0")"
}
trap 'status=$?; if [ $status -ne 0 ]; then printf "\ntests/run.sh: FAILED at \"%s\" after %d passed steps (%s)\n" "$CURRENT" "$STEPS" "$(elapsed "$STARTED")"; fi' EXIT

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  say "installing with apt-get: $*"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# ---------------------------------------------------------------- installs
install_prerequisites() {
  command -v cargo >/dev/null || { echo "Rust is missing: install it from https://rustup.rs (see README)"; return 1; }
  # rust-toolchain.toml pins the compiler; rustup installs it and the target.
  rustup show active-toolchain >/dev/null
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
  rustup target list --installed | grep -qx wasm32-unknown-unknown

  local missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  command -v cc >/dev/null || missing+=(build-essential)
  command -v curl >/dev/null || missing+=(curl)
  command -v python3 >/dev/null || missing+=(python3)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

  # wasm-bindgen-test-runner must match the wasm-bindgen crate exactly.
  local wbg
  wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
  if [ "$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    say "installing wasm-bindgen-cli $wbg (provides wasm-bindgen-test-runner)"
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  # A real Nostr relay for the signalling tests (needs protoc to build).
  if ! command -v nostr-rs-relay >/dev/null; then
    command -v protoc >/dev/null || apt_install protobuf-compiler
    say "installing nostr-rs-relay (a real Nostr relay for the tests)"
    cargo install nostr-rs-relay --version 0.8.12
  fi
  if ! cargo deny --version >/dev/null 2>&1; then
    say "installing cargo-deny"
    cargo install cargo-deny --locked
  fi
  (cd tests && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
}

# ---------------------------------------------------------------- checks
rust_format() { cargo fmt --all -- --check; }
rust_lints() {
  cargo clippy --workspace --all-targets --locked -- -D warnings
  cargo clippy -p worker --target wasm32-unknown-unknown --lib --tests --locked -- -D warnings
}
dependency_policy() { cargo deny --locked check licenses bans sources; }
native_tests() { cargo test --workspace --locked; }
browser_crypto_tests() {
  # The runner gives the whole page 20 s by default; deriving the 3072- and
  # 4096-bit vector identities in a debug build can take longer on 2 busy cores.
  WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-300} \
  CHROMEDRIVER=${CHROMEDRIVER:-$(command -v chromedriver)} \
    cargo test -p worker --target wasm32-unknown-unknown --locked --tests
}
# --test-force-exit: the runner ends once every test has, instead of waiting
# out timers a test left to the services it made (half a minute in all).
js_unit_tests() { (cd tests && node --test --test-force-exit js/); }
js_static_checks() {
  # Dev-only tools over the shipped JavaScript: lint (with the layer rules as
  # import restrictions and what the bundle joiner accepts), formatting, and
  # the JSDoc types of every file (no implicit any in core/, net/, chat/).
  tests/node_modules/.bin/eslint --config tests/eslint.config.js templates/js
  tests/node_modules/.bin/prettier --config tests/.prettierrc.json --check templates/js
  (cd tests && node_modules/.bin/tsc -p tsconfig.json && node_modules/.bin/tsc -p tsconfig.strict.json)
}
reproducible_bundle() {
  # Rebuilds from source and compares with the committed dist/, file by file.
  # Built with every target, as `cargo test --workspace` just did: the same
  # feature resolution, so the builder is already compiled (`-p builder`
  # alone resolves features differently and rebuilt most dependencies).
  cargo build --workspace --all-targets --locked
  target/debug/builder verify
}
verify_detects_tampering() {
  local copy out
  copy=$(mktemp -d)
  cp -r dist/. "$copy"
  printf '\n// injected\n' >> "$copy/js/ui/login-view.js"
  if out=$(target/debug/builder verify --dir "$copy"); then
    echo "builder verify accepted a tampered copy"; rm -rf "$copy"; return 1
  fi
  rm -rf "$copy"
  grep -q '^DIFFERS  js/ui/login-view.js' <<<"$out" || { echo "$out"; echo "the tampered file was not named"; return 1; }
  grep -q '^MISMATCH' <<<"$out"
}
verify_checks_a_served_mirror() {
  # The same comparison over HTTP, against builder serve's copy of dist/.
  local port pid data
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  data=$(mktemp -d) # the mailbox relay's store, not the user's
  target/debug/builder serve --no-build --port "$port" --data-dir "$data" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/MANIFEST" >/dev/null && break; sleep 0.1; done
  local status=0
  target/debug/builder verify --url "http://127.0.0.1:$port/" | tail -1 || status=$?
  kill "$pid"
  rm -rf "$data"
  return $status
}
readme_states_bundle_hash() {
  local hash
  hash=$(sha256sum dist/MANIFEST | cut -d' ' -f1)
  grep -q "bundle hash: $hash" README.md || { echo "README.md must state the bundle hash $hash"; return 1; }
}
browser_end_to_end() { (cd tests && TRUSTERO_BUILDER="$ROOT/target/debug/builder" node --test --test-concurrency=1 --test-timeout=300000 e2e/); }

step "install prerequisites" install_prerequisites
step "cargo fmt --check" rust_format
step "cargo clippy -D warnings (native and wasm32)" rust_lints
step "cargo deny (licenses, bans, sources)" dependency_policy
step "native tests (worker vectors, property tests, builder)" native_tests
step "browser crypto tests (wasm-bindgen-test in Chromium, dedicated worker)" browser_crypto_tests
step "JavaScript unit tests (state machines, codecs, fuzzing, layers)" js_unit_tests
step "JavaScript lint, format and type checks (ESLint, Prettier, tsc --checkJs)" js_static_checks
step "reproducible bundle (builder verify of the committed dist/)" reproducible_bundle
step "builder verify names a tampered file" verify_detects_tampering
step "builder verify --url checks a served mirror" verify_checks_a_served_mirror
step "README states the current bundle hash" readme_states_bundle_hash
step "browser end-to-end tests (Chromium; builder serve, bittorrent-tracker, nostr-rs-relay)" browser_end_to_end

printf '\ntests/run.sh: all %d steps passed in %s\n' "$STEPS" "$(elapsed "$STARTED")"
