#!/usr/bin/env bash
# Link benchmark: N simulated clusters (default 1,661) on loopback against a release
# commcastd: cold connect, a reconnect storm, heartbeat ingest, delivery of a
# 3-minute bulletin to all, and the daemon's CPU seconds and peak RSS.
# Usage: Benchmarks/run-link.sh [clusters] [reconnect-jitter-seconds] [heartbeat-seconds] [drop-all-at-seconds]
# COMMCAST_PIN=1: the station on core 0, the simulator on core 1; COMMCAST_PERF=1: profile the storm.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
Benchmarks/build-station.sh
ulimit -n 65536 2>/dev/null || true
echo "command: Benchmarks/run-link.sh ${1:-1661} ${2:-2} ${3:-5} ${4:-25}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
exec python3 Benchmarks/link_benchmark.py .build/release "${1:-1661}" "${2:-2}" "${3:-5}" "${4:-25}"
