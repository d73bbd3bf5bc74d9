#!/usr/bin/env bash
# Sets up, builds and runs a living demo station: commcastd with three communes,
# 45 simulated clusters (commcast-sim) and bulletins airing within minutes, the web
# console at http://127.0.0.1:7480/ with a demo login (scripts/demo_station.py says
# which). State in ./commcast-state; Ctrl-C stops it all.
#
# With arguments it runs commcastd alone with them instead, e.g. on the embedded
# default configuration:  scripts/run-daemon.sh --state-directory /tmp/station
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-demo-tools
for product in commcastd commcast commcast-sim; do
    swift build -c release --product "$product"
done
if (($# > 0)); then
    exec .build/release/commcastd "$@"
fi
exec python3 scripts/demo_station.py .build/release
