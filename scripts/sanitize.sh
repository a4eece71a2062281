#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs
# the whole test suite under them. Measured on the 2-core machine (2026-12-02): the build 21 CPU
# minutes (~11 min), the whole suite 17 min (472 tests, QEMU boots skipped).
# MEDIAFORGE_SANITIZE_QUICK=1 leaves out the tests listed in tests/sanitize-long.txt (each 10 s or
# more under ASan; 51 tests, three quarters of the time): what .ci/run uses, after scripts/test.sh
# has run every test in the normal build, with MEDIAFORGE_SKIP_BOOT_TESTS=1 (QEMU is not
# instrumented). Extra arguments go to ctest.
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
# -g1 (line tables): reports keep file:line, the build takes ~16% less than with full -g.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
  -DCMAKE_C_FLAGS_DEBUG=-g1 -DMEDIAFORGE_SANITIZE=ON -DMEDIAFORGE_BENCH=OFF -DMEDIAFORGE_WERROR=ON \
  "${LAUNCHER[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
cd "$BUILD_DIR"
# Leak checking stays on; QEMU and other children are not instrumented.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exclude=()
if [ "${MEDIAFORGE_SANITIZE_QUICK:-0}" = 1 ]; then
  # One alternation of the anchored names (ctest -E takes one regular expression).
  names=$(awk '!/^#/ && NF == 2 {print $2}' ../tests/sanitize-long.txt | paste -sd'|')
  exclude=(-E "^(${names})( |\$)")  # parameterized names go on with "  # GetParam() = ..."
  echo "sanitize: quick run, $(awk '!/^#/ && NF == 2' ../tests/sanitize-long.txt | wc -l) long tests left out (tests/sanitize-long.txt)"
fi
ctest --output-on-failure -j"$(nproc)" --timeout 1800 "${exclude[@]}" "$@"
