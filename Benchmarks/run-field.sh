#!/usr/bin/env bash
# Field profiles (issue 18): N simulated clusters (default 100) through commcast-sim's
# fault proxy with each 4G profile, two 30 s bulletins each, and the share of airings
# that started within 2 s of plan. Real time, about 4 minutes a profile.
# Usage: Benchmarks/run-field.sh [clusters] [profiles, e.g. none,4g-good,4g-bad]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
Benchmarks/build-station.sh
ulimit -n 65536 2>/dev/null || true
echo "command: Benchmarks/run-field.sh ${1:-100} ${2:-none,4g-good,4g-bad}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
exec python3 Benchmarks/field_profiles.py .build/release "${1:-100}" "${2:-none,4g-good,4g-bad}"
