#!/usr/bin/env bash
# Sets up, builds and runs commcastd on its embedded default configuration:
# state in ./commcast-state, control socket at ./commcast-state/control.sock.
# Talk to it from another shell:  .build/release/commcast status --socket commcast-state/control.sock
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product commcastd
swift build -c release --product commcast
echo "commcastd: state in $PWD/commcast-state; try: .build/release/commcast status --socket commcast-state/control.sock"
exec .build/release/commcastd "$@"
