#!/usr/bin/env bash
# The long fuzz runs of docs/RELIABILITY.md: each libFuzzer target in turn (one at a time, nice
# 10) for SECONDS (default 600) under ASan + UBSan over its seeds, then one line per target:
# runs, execs/s, coverage (edges), features, peak RSS, result. Crashers are left in
# BUILD/fuzz-long/NAME/ (crash-*, leak-*, timeout-*) for a regression file in fuzz/regressions/.
# Usage: scripts/fuzz-long.sh BUILD_DIR [TARGET...]   (BUILD_DIR configured with MEDIAFORGE_FUZZ=ON)
set -uo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "$1")
shift
seconds=${SECONDS_PER_TARGET:-600}
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=($(cd fuzz && ls ./*_fuzzer.cc | sed 's|^./||; s|\.cc$||'))
fi
declare -A max_len=([iso_reader_fuzzer]=4194304 [gpt_check_fuzzer]=131072
  [pe_reader_fuzzer]=262144 [secure_boot_audit_fuzzer]=4194304 [fat_volume_fuzzer]=1048576
  [media_inspect_fuzzer]=2097152 [media_spec_fuzzer]=16384 [media_config_fuzzer]=65536
  [media_reader_fuzzer]=4194304 [bmap_fuzzer]=65536 [image_source_fuzzer]=65536)
seeds=$build/fuzz-seeds
[[ -d $seeds ]] || scripts/fuzz-seeds.sh "$build/tools/mediaforge" "$seeds" >/dev/null
for t in "${targets[@]}"; do
  work=$build/fuzz-long/$t
  rm -rf "$work"
  mkdir -p "$work/corpus"
  dirs=("$seeds/$t")
  for extra in fuzz/corpus/$t fuzz/regressions/$t; do [[ -d $extra ]] && dirs+=("$PWD/$extra"); done
  cmd=(nice -n 10 "$build/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
    -max_len="${max_len[$t]:-1048576}" -print_final_stats=1 -artifact_prefix="$work/"
    "$work/corpus" "${dirs[@]}")
  echo "$ ${cmd[*]}" >"$work/log"
  (cd "$work" && "${cmd[@]}") >>"$work/log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$work/log")
  last=$(grep -E '^#[0-9]+.*cov:' "$work/log" | tail -1)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  result=ok
  [[ $rc -ne 0 ]] && result="FAILED rc=$rc: $(grep -m1 -E 'ERROR: |SUMMARY: ' "$work/log")"
  echo "| $t | $runs | $eps | $cov | $ft | $rss | $result |"
done
