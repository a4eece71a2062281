#!/bin/bash
# FAT32 side by side: the same ~2 GiB / ~20k-file tree into a FAT32 image by
#   mediaforge format IMG --size S --from TREE
# and by
#   mkfs.fat -F 32 IMG && mcopy -s -i IMG TREE/* ::/
# then a 2 TiB sparse image formatted by both, in one run; prints the times and ratios.
# Every image is checked with fsck.fat -n afterwards (outside the timing).
#
# Usage: bench/compare-fat32.sh [path/to/mediaforge]
# Env:   TREE_MB (2048), FILES (20000), IMAGE_SIZE (3G), RUNS (2: best of), KEEP_TREE=1,
#        SOURCE_TREE=DIR (use this tree instead of generating one),
#        COLD=1 (drop the page cache before each run; default: warm cache for both tools)
#        PAIRED=1 (issue 16): instead RUNS paired, alternating cold rounds of `format --from` and
#        `usb` against the floor measured in the same round: the slower of a cold read of the
#        tree (the faster of `xargs -P8 cat` and one fio over the tree's files, O_DIRECT, 8
#        reads in flight) and a direct write of as many bytes to a file (dd oflag=direct), and
#        the floor of both at once (the cats and dd together); prints every round and
#        min / median / max of the ratios. E.g.
#        PAIRED=1 RUNS=7 TREE_MB=400 FILES=2000 IMAGE_SIZE=1G bench/compare-fat32.sh MF
set -euo pipefail

MF=${1:-${MEDIAFORGE:-$(dirname "$0")/../build/tools/mediaforge}}
TREE_MB=${TREE_MB:-2048}
FILES=${FILES:-20000}
IMAGE_SIZE=${IMAGE_SIZE:-3G}
RUNS=${RUNS:-2}
for tool in mkfs.fat mcopy fsck.fat python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
done
[ -x "$MF" ] || { echo "mediaforge not found at $MF (pass its path)" >&2; exit 2; }

WORK=$(mktemp -d /var/tmp/mf-bench-fat32.XXXXXX)
cleanup() { [ "${KEEP_TREE:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
trap cleanup EXIT
TREE=${SOURCE_TREE:-$WORK/tree}

[ -n "${SOURCE_TREE:-}" ] || {
echo "generating $FILES files, ~$TREE_MB MiB in $TREE" >&2
python3 "$(dirname "$0")/gen_tree.py" "$TREE" "$FILES" "$TREE_MB"
}
TREE_BYTES=$(du -sb --apparent-size "$TREE" | cut -f1)
NFILES=$(find "$TREE" -type f | wc -l)

settle() {
  sync
  if [ "${COLD:-0}" = 1 ]; then echo 3 > /proc/sys/vm/drop_caches; else find "$TREE" -type f -exec cat {} + > /dev/null; fi
}

# best-of-RUNS wall time of a shell snippet; $2 (untimed) runs first, e.g. removing old images
time_best() {
  local best="" t0 t1 dt
  for _ in $(seq "$RUNS"); do
    bash -c "${2:-true}"
    settle
    t0=$(date +%s.%N)
    bash -c "$1" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
    t1=$(date +%s.%N)
    dt=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || (( $(echo "$dt < $best" | bc -l) )); then best=$dt; fi
  done
  printf '%.3f' "$best"
}

check() {
  fsck.fat -n "$1" >"$WORK/fsck" 2>&1 || { echo "fsck.fat found problems in $1:" >&2; cat "$WORK/fsck" >&2; exit 1; }
}

MF_IMG=$WORK/mediaforge.img
PEER_IMG=$WORK/peer.img

if [ "${PAIRED:-0}" = 1 ]; then
  . "$(dirname "$0")/paired.sh"
  PAIRED_ERR=$WORK/err
  read_tree() { find "$TREE" -type f -print0 | xargs -0 -P8 -n64 cat >/dev/null; }
  # The tree read at its floor: the faster of the 8 `cat`s above (page-cache read-ahead) and one
  # fio over every file of the tree (--opendir: O_DIRECT, 8 reads of 1 MiB in flight, 16 files
  # open at once); on small files the `cat`s usually win. The tree and the image share one disk
  # here, so the floor of doing both at once is measured as well: the `cat`s and the direct
  # write of as many bytes run together.
  fio_read_tree() {
    fio --ioengine=libaio --direct=1 --bs=1M --iodepth=8 --name=t --opendir="$TREE" --rw=read \
      --openfiles=16
  }
  write_floor() {
    dd if=/dev/zero of="$WORK/floor.img" bs=1M count=$((TREE_BYTES >> 20)) oflag=direct conv=fsync
  }
  read_and_write() { read_tree & write_floor; wait; }
  min_of() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }
  echo "# tree: $NFILES files, $TREE_BYTES bytes; image $IMAGE_SIZE; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-5s %7s %7s %9s %7s %7s %7s %7s %9s %9s %s\n' round cat_P8 fio_rd write_img \
    floor both format usb f/floor u/floor load
  f_ratios=""; u_ratios=""; fb_ratios=""; ub_ratios=""
  for r in $(seq "$RUNS"); do
    if [ $((r % 2)) = 1 ]; then order="floor tools"; else order="tools floor"; fi
    for part in $order; do
      if [ "$part" = floor ]; then
        cold; t_cat=$(run_ms read_tree)
        cold; t_fio=$(run_ms fio_read_tree)
        t_read=$(min_of "$t_cat" "$t_fio")
        t_write=$(run_ms write_floor)
        rm -f "$WORK/floor.img"
        cold; t_both=$(run_ms read_and_write)
        rm -f "$WORK/floor.img"
      else
        rm -f "$MF_IMG"; cold
        t_fmt=$(run_ms "$MF" format "$MF_IMG" --size "$IMAGE_SIZE" --from "$TREE" --no-progress)
        rm -f "$MF_IMG"; cold
        t_usb=$(run_ms "$MF" usb "$TREE" "$MF_IMG" --size "$IMAGE_SIZE" --label MFBENCH --no-progress)
        rm -f "$MF_IMG"
      fi
    done
    floor=$(max_of "$t_read" "$t_write")
    f_ratios+=" $(ratio "$t_fmt" "$floor")"; u_ratios+=" $(ratio "$t_usb" "$floor")"
    fb_ratios+=" $(ratio "$t_fmt" "$t_both")"; ub_ratios+=" $(ratio "$t_usb" "$t_both")"
    printf '%-5s %7s %7s %9s %7s %7s %7s %7s %9s %9s %s\n' "$r" "$t_cat" "$t_fio" "$t_write" \
      "$floor" "$t_both" "$t_fmt" "$t_usb" "$(ratio "$t_fmt" "$floor")" "$(ratio "$t_usb" "$floor")" \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
  echo "format --from / floor: $(spread "$f_ratios")   (median <= 1.2)"
  echo "usb / floor:           $(spread "$u_ratios")   (median <= 1.2)"
  echo "against both at once (the cats reading the tree while dd writes, the same disk):"
  echo "format --from / both:  $(spread "$fb_ratios")"
  echo "usb / both:            $(spread "$ub_ratios")"
  echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
T_MF=$(time_best "'$MF' format $MF_IMG --size $IMAGE_SIZE --from '$TREE' --no-progress" "rm -f $MF_IMG")
check "$MF_IMG"
T_PEER=$(time_best "truncate -s $IMAGE_SIZE $PEER_IMG && mkfs.fat -F 32 $PEER_IMG && mcopy -s -Q -i $PEER_IMG '$TREE'/* ::/ && sync $PEER_IMG" "rm -f $PEER_IMG")
check "$PEER_IMG"
rm -f "$MF_IMG" "$PEER_IMG"

BIG=$WORK/big.img
T_MF_BIG=$(time_best "'$MF' format $BIG --size 2T --no-progress" "rm -f $BIG")
check "$BIG"
T_PEER_BIG=$(time_best "truncate -s 2T $BIG && mkfs.fat -F 32 $BIG && sync $BIG" "rm -f $BIG")
check "$BIG"
rm -f "$BIG"

echo
echo "tree: $NFILES files, $TREE_BYTES bytes; image $IMAGE_SIZE; best of $RUNS; cache: $([ "${COLD:-0}" = 1 ] && echo cold || echo warm)"
printf '%-44s %10s\n' "case" "seconds"
printf '%-44s %10s\n' "tree: mediaforge format --from" "$T_MF"
printf '%-44s %10s\n' "tree: mkfs.fat -F 32 + mcopy -s" "$T_PEER"
printf '%-44s %10s\n' "2 TiB sparse: mediaforge format" "$T_MF_BIG"
printf '%-44s %10s\n' "2 TiB sparse: mkfs.fat -F 32" "$T_PEER_BIG"
printf 'tree speed-up (mkfs.fat+mcopy / mediaforge): %.1fx (goal >= 3x)\n' "$(echo "$T_PEER / $T_MF" | bc -l)"
printf 'format speed-up (mkfs.fat / mediaforge): %.1fx (goal >= 1x)\n' "$(echo "$T_PEER_BIG / $T_MF_BIG" | bc -l)"
printf 'tree throughput: mediaforge %.0f MB/s, mkfs.fat+mcopy %.0f MB/s\n' \
  "$(echo "$TREE_BYTES / $T_MF / 1000000" | bc -l)" "$(echo "$TREE_BYTES / $T_PEER / 1000000" | bc -l)"
