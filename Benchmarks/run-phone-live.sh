#!/usr/bin/env bash
# Live from a phone's browser, measured against issue 17's budgets: headless Chromium
# (its microphone a WAV of tones) broadcasting through the console's WebSocket to N
# simulated clusters (default 1,661) on loopback, and the same 30 s from
# `commcast live --file` in the same run as the anchor for the station's CPU.
# Usage: Benchmarks/run-phone-live.sh [clusters]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
python3 -c 'import selenium' 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check selenium \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages selenium
Benchmarks/build-station.sh
ulimit -n 65536 2>/dev/null || true
echo "command: Benchmarks/run-phone-live.sh ${1:-1661}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
exec python3 Benchmarks/phone_live_benchmark.py .build/release "${1:-1661}"
