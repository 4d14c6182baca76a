#!/bin/sh
# Serves Trustero on http://localhost:9000/index.htm (builds dist/ first if needed).
cd "$(dirname "$0")" && exec cargo run --release -p builder -- serve "$@"
