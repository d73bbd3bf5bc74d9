#!/usr/bin/env bash
# Builds the release executables a station benchmark runs (default: commcastd, commcast
# and commcast-sim), quietly; prints the build's log only when it fails. Run from the
# repository root by the Benchmarks/run-*.sh scripts.
# Usage: Benchmarks/build-station.sh [PRODUCT…]
set -euo pipefail
products=("$@")
((${#products[@]})) || products=(commcastd commcast commcast-sim)
log=$(mktemp /tmp/commcast-bench-build.XXXXXX)
for product in "${products[@]}"; do
    swift build -c release --product "$product" >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
done
rm -f "$log"
