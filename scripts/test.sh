#!/usr/bin/env bash
# Sets up and runs the whole test suite (unit, integration with real libopus,
# SQLite, ffmpeg and opusinfo, and end-to-end with the real binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
# One layout for every file (.swift-format); `swift format -i --recursive Sources Tests
# Benchmarks/Sources Package.swift` fixes most of what this finds (CONTRIBUTING.md).
swift format lint --strict --recursive Sources Tests Benchmarks/Sources Package.swift
# The end-to-end tests run the built commcastd and commcast executables.
swift build --build-tests
swift test --skip-build
# The bad-input suite: 175 things a careless or hostile operator types, against the
# built binaries and a running daemon (exit code, a message naming the field, the
# value and what was expected, the daemon still answering, nothing changed).
python3 scripts/bad_input_suite.py .build/debug
