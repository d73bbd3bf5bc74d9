#!/usr/bin/env bash
# Web console benchmark: a release commcastd with N simulated clusters (default
# 1,661) on loopback, headless Chromium at a phone's and a desktop's size, and 50
# consoles left open: issue 16's budgets (docs/benchmarks.md, "Web console").
# Usage: Benchmarks/run-console.sh [clusters]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
python3 -c 'import selenium' 2>/dev/null || python3 -m pip install --quiet selenium || python3 -m pip install --quiet --break-system-packages selenium
Benchmarks/build-station.sh
ulimit -n 65536 2>/dev/null || true
echo "command: Benchmarks/run-console.sh ${1:-1661}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
exec python3 Benchmarks/console_benchmark.py .build/release "${1:-1661}"
