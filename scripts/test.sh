#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite (ctest). Used by .ci/run.
# Tests needing a capability this machine lacks (loop devices, qemu) skip with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
BUILD=${BUILD_DIR:-build}
# ccache, where installed, makes a rebuild on the same machine (a second clone, CI) cheap; paths are
# taken relative to the checkout so clones in other folders share the cache.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# Warnings are errors here (CI), not in a developer's own build (MEDIAFORGE_WERROR).
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDIAFORGE_WERROR=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
cd "$BUILD"
ctest --output-on-failure -j"$(nproc)" --timeout 900 "$@"
