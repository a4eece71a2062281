#!/usr/bin/env bash
# Runs a libFuzzer binary over its seeds with a fresh scratch corpus first (libFuzzer adds what it
# finds to its first directory; the seed and regression directories stay untouched).
# Usage: fuzz/run-fuzzer.sh SCRATCH_DIR FUZZER [libFuzzer flags and seed dirs...]
set -euo pipefail
scratch=$1
shift
rm -rf "$scratch"
mkdir -p "$scratch"
exec "$1" "$scratch" "${@:2}"
