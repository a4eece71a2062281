#!/usr/bin/env bash
# `mediaforge usb` vs `mediaforge format --from` on the same tree, side by side: both now go
# through the same job (engine::RunJob with the source prefetcher) and the same destination, so
# they should differ only by the partition table and the 1 MiB offset. Runs alternate A/B
# (usb, format, usb, format, ...) so machine noise hits both alike; prints each time and the
# medians. COLD=1 evicts the tree's files from the page cache before every run
# (POSIX_FADV_DONTNEED on each file: only this tree, not the machine's whole cache).
#
# Usage: bench/compare-usb-format.sh   Env: MEDIAFORGE (build/tools/mediaforge), TREE_MB (1024),
#        FILES (10000), SIZE (2G), RUNS (5 pairs), COLD (0), SOURCE_TREE=DIR, KEEP=1
set -euo pipefail
SIZE=${SIZE:-2G}
RUNS=${RUNS:-5}
COLD=${COLD:-0}
. "$(dirname "$0")/tree_setup.sh"
mf_tree_setup compare-usb-format 10000 1024
prepare() {
  sync
  if [ "$COLD" = 1 ]; then
    python3 - "$TREE" <<'PY'
import os, sys
for d, _, names in os.walk(sys.argv[1]):
    for n in names:
        fd = os.open(os.path.join(d, n), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
PY
  else
    find "$TREE" -type f -exec cat {} + >/dev/null
  fi
}
run_ms() {
  local s e
  s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}
usb_times=() format_times=()
for i in $(seq "$RUNS"); do
  rm -f "$WORK/usb.img"; prepare
  usb_times+=("$(run_ms "$MF" usb "$TREE" "$WORK/usb.img" --size "$SIZE" --label MFBENCH --no-progress)")
  rm -f "$WORK/fat.img"; prepare
  format_times+=("$(run_ms "$MF" format "$WORK/fat.img" --size "$SIZE" --from "$TREE" --label MFBENCH --no-progress)")
  echo "pair $i: usb ${usb_times[-1]} ms, format ${format_times[-1]} ms" >&2
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
mu=$(median "${usb_times[@]}")
mf=$(median "${format_times[@]}")
printf '\ntree: %s files, %s bytes; image %s; %s alternating pairs, %s cache; load %s\n' \
  "$(find "$TREE" -type f | wc -l)" "$(du -sb --apparent-size "$TREE" | cut -f1)" "$SIZE" "$RUNS" \
  "$([ "$COLD" = 1 ] && echo cold || echo warm)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'usb    times (ms): %s   median %s\n' "${usb_times[*]}" "$mu"
printf 'format times (ms): %s   median %s\n' "${format_times[*]}" "$mf"
awk -v u="$mu" -v f="$mf" 'BEGIN {printf "usb / format = %.3f (%+.1f%%)   [goal: within 5%%]\n", u / f, (u / f - 1) * 100}'
