#!/usr/bin/env bash
# Sets up and runs the whole test suite (unit, integration with real libopus,
# SQLite, ffmpeg and opusinfo, and end-to-end with the real binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
# One layout for every file (.swift-format); `swift format -i --recursive` over the same
# paths fixes most of what this finds (CONTRIBUTING.md).
swift format lint --strict --recursive Sources Tests Benchmarks/Sources Package.swift Fuzz/Sources Fuzz/Package.swift
# The end-to-end tests run the built commcastd and commcast executables.
swift build --build-tests
swift test --skip-build
# The bad-input suite: 179 things a careless or hostile operator types, against the
# built binaries and a running daemon (exit code, a message naming the field, the
# value and what was expected, the daemon still answering, nothing changed).
python3 scripts/bad_input_suite.py .build/debug
# The Python checks below need websockets (13 or later), cryptography and selenium from
# PyPI, installed once.
python3 -c 'import websockets.asyncio.client, cryptography, selenium' 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check 'websockets>=13' cryptography selenium \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages 'websockets>=13' cryptography selenium
# The link conformance suite: the station's rules of docs/protocol.md (S-01 …), driven
# through a cluster written in Python from the page alone.
python3 scripts/link_conformance.py .build/debug
# The cluster conformance runner (for vendors) against commcast-sim: every cluster rule
# passes, and a simulator that breaks rules on purpose is caught (about 2 minutes).
python3 scripts/cluster_conformance.py --self-test .build/debug
# The web console in headless Chromium (Debian's chromium and chromium-driver), with
# screenshots at a phone's size and a desktop's in .build/console-screenshots.
python3 scripts/console_browser_test.py .build/debug .build/console-screenshots
# Live from a phone's browser: Chromium's fake microphone plays known tones through the
# console's WebSocket to simulated clusters that keep what they play; the tones must
# arrive in order, through a cut connection and past the grace (docs/live.md).
python3 scripts/live_browser_test.py .build/debug .build/live-screenshots
# kill -9 anywhere, the short form: 20 SIGKILLs at random moments of a working station
# (bulletins, the voice, the province's webhook, live, receipts, reports), each
# restarted on the same files, then the invariants; the seed is printed to replay a
# failure (docs/reliability.md; about 3 minutes).
python3 scripts/kill_anywhere.py .build/debug 20
# The station watched by Debian's real Prometheus: monitoring/alerts.yml checked and
# unit-tested with promtool, then scraped, counted and alerted on with simulated
# clusters; every query of the Grafana dashboard answers (docs/reliability.md).
python3 scripts/metrics_prometheus_test.py .build/debug
# What a station host is shipped (scripts/package.sh), checked on the debug build: the
# executables stripped and running, their debug information apart and matched by build ID.
scripts/package.sh debug .build/package-check --check
# The newcomer's demo station (scripts/run-daemon.sh), checked: 45 simulated clusters
# online, the demo login on the console, a bulletin planned.
python3 scripts/demo_station.py .build/debug --check
