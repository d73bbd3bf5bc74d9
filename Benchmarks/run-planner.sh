#!/usr/bin/env bash
# Planner benchmark: the next 24 h for 1,661 clusters in 111 communes with 500 active
# rules, pure and through SQLite as commcastd's scheduler does it.
# Usage: Benchmarks/run-planner.sh [runs]      (figures go in docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")"
../scripts/setup.sh
swift build -c release --product PlannerBenchmark
echo "command: Benchmarks/run-planner.sh ${1:-5}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
.build/release/PlannerBenchmark "${1:-5}"
