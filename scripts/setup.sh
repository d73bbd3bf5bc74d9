#!/usr/bin/env bash
# Installs the Debian 12 packages commcast builds against and tests with.
# Idempotent: does nothing (and needs no network) when everything is present.
set -euo pipefail

BUILD_PACKAGES=(pkg-config libopus-dev libopusenc-dev libopusfile-dev libogg-dev libsoxr-dev libsodium-dev
                libebur128-dev libsqlite3-dev libsystemd-dev libasound2-dev)
TOOL_PACKAGES=(opus-tools ffmpeg espeak-ng sox util-linux curl chromium chromium-driver prometheus)

# The demo station speaks its bulletins with espeak-ng.
DEMO_PACKAGES=(espeak-ng)

want=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" == "--with-test-tools" ]]; then
    want+=("${TOOL_PACKAGES[@]}")
elif [[ "${1:-}" == "--with-demo-tools" ]]; then
    want+=("${DEMO_PACKAGES[@]}")
fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "setup: all ${#want[@]} packages present"
    exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
