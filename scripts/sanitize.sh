#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs
# the whole test suite under them. Slower than scripts/test.sh (about 3x to build on 2 cores),
# so it is not part of CI; run it before merging engine, reader or parser changes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
# BUILD_DIR: where to build (default build-asan; parallel worktrees use their own).
BUILD_DIR=${BUILD_DIR:-build-asan}
LAUNCHER=()
if command -v ccache >/dev/null; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMEDIAFORGE_SANITIZE=ON \
  -DMEDIAFORGE_BENCH=OFF "${LAUNCHER[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
cd "$BUILD_DIR"
# Leak checking stays on; QEMU and other children are not instrumented.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --output-on-failure -j"$(nproc)" --timeout 1800 "$@"
