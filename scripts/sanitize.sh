#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs
# the whole test suite under them (about 3x the build time of scripts/test.sh on 2 cores).
# .ci/run runs it after scripts/test.sh with MEDIAFORGE_SKIP_BOOT_TESTS=1: the QEMU boots (QEMU is
# not instrumented) run only in the normal build there. Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
# BUILD_DIR: where to build (default build-asan; parallel worktrees use their own).
BUILD_DIR=${BUILD_DIR:-build-asan}
LAUNCHER=()
if command -v ccache >/dev/null; then
  # Paths relative to the checkout, so clones in other folders (CI) share the cache.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMEDIAFORGE_SANITIZE=ON \
  -DMEDIAFORGE_BENCH=OFF -DMEDIAFORGE_WERROR=ON "${LAUNCHER[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
cd "$BUILD_DIR"
# Leak checking stays on; QEMU and other children are not instrumented.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --output-on-failure -j"$(nproc)" --timeout 1800 "$@"
