#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest). Used by .ci/run.
# Tests needing a capability this machine lacks (loop devices, qemu) skip with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD=${BUILD_DIR:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
cd "$BUILD"
ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@"
