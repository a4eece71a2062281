#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and runs
# the whole test suite under them. Slower than scripts/test.sh (about 3x to build on 2 cores),
# so it is not part of CI; run it before merging engine, reader or parser changes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build-only
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMEDIAFORGE_SANITIZE=ON \
  -DMEDIAFORGE_BENCH=OFF >/dev/null
cmake --build build-asan -j"$(nproc)"
cd build-asan
# Leak checking stays on; QEMU and other children are not instrumented.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --output-on-failure -j"$(nproc)" --timeout 1800 "$@"
