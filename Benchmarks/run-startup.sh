#!/usr/bin/env bash
# Shipped binaries: sizes stripped and not, and start-up times — `commcast --version`,
# `commcast status` with the daemon down and up, and `commcastd` from exec to READY
# (its control socket answering) on an empty state directory.
# Usage: Benchmarks/run-startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
dist=$(mktemp -d /tmp/commcast-dist.XXXXXX)
echo "command: Benchmarks/run-startup.sh ${1:-50}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
scripts/package.sh release "$dist"
exec python3 Benchmarks/startup_benchmark.py "$dist" .build/release "${1:-50}"
