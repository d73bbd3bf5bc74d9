#!/usr/bin/env bash
# Report drain benchmark: N reports (default 100,000) waiting in the outbox are
# delivered to a local receiver; events per second, daemon CPU and peak RSS, for
# each batch size given (default 100,500,2000).
# Usage: Benchmarks/run-report.sh [events] [batch,sizes]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
Benchmarks/build-station.sh commcastd commcast
echo "command: Benchmarks/run-report.sh ${1:-100000} ${2:-100,500,2000}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
exec python3 Benchmarks/report_benchmark.py .build/release "${1:-100000}" "${2:-100,500,2000}"
