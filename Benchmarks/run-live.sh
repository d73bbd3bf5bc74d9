#!/usr/bin/env bash
# Live fan-out benchmark: a 30 s emergency broadcast to N simulated clusters (default
# 1,661) on loopback, then Icecast 2 serving the same Ogg Opus stream to N HTTP
# listeners, each measured for CPU, lag, lost/late packets and command-to-audio; then
# Benchmarks/FanOutFloor (one send per listener, then io_uring) on the same listeners.
# Usage: Benchmarks/run-live.sh [clusters] [live.frames_per_write]
# COMMCAST_PIN=1: phase 1 with the station on core 0 and the simulator on core 1; COMMCAST_PERF=1: profiles.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
command -v icecast2 >/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends icecast2
[[ -f /usr/include/liburing.h ]] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends liburing-dev
Benchmarks/build-station.sh
(cd Benchmarks && swift build -c release --product OggListeners >/tmp/commcast-livebench-build.log 2>&1) || { cat /tmp/commcast-livebench-build.log; exit 1; }
mkdir -p Benchmarks/.build && cc -O2 -Wall -o Benchmarks/.build/fanout_floor Benchmarks/FanOutFloor/fanout_floor.c -luring
ulimit -n 65536 2>/dev/null || true
echo "command: Benchmarks/run-live.sh ${1:-1661} ${2:-1}   ($(nproc) cores, $(date -u +%Y-%m-%d))"
exec python3 Benchmarks/live_benchmark.py .build/release Benchmarks/.build/release/OggListeners Benchmarks/.build/fanout_floor "${1:-1661}" "${2:-1}"
