#!/usr/bin/env bash
# USB stick image side by side, in one run: the same ~2 GiB / ~20k-file tree onto a stick image
# (MBR, one FAT32 partition at 1 MiB) by
#   mediaforge usb TREE stick.img --size S
# and by the usual tools
#   sfdisk (2048,,c,*) + mkfs.fat -F 32 --offset 2048 + mcopy -s at the partition offset.
# Both images are checked afterwards (outside the timing): fsck.fat on the partition, and every
# file compared with mtools. Prints times and the ratio (the machine is noisy: read the ratio).
#
# Usage: bench/compare-usb.sh    Env: TREE_MB (2048), FILES (20000), SIZE (3G), RUNS (2, best
#        of), SOURCE_TREE=DIR (use this tree), KEEP=1 (keep the work directory)
set -euo pipefail
SIZE=${SIZE:-3G}
RUNS=${RUNS:-2}
for t in sfdisk mkfs.fat mcopy fsck.fat python3; do
  command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 2; }
done
. "$(dirname "$0")/tree_setup.sh"
mf_tree_setup compare-usb 20000 2048
NFILES=$(find "$TREE" -type f | wc -l)
TREE_BYTES=$(du -sb --apparent-size "$TREE" | cut -f1)
warm() { sync; find "$TREE" -type f -exec cat {} + >/dev/null; }

mediaforge_usb() {
  rm -f "$WORK/mf.img"
  "$MF" usb "$TREE" "$WORK/mf.img" --size "$SIZE" --label MFBENCH --no-progress >/dev/null 2>&1
}
peer_usb() {
  rm -f "$WORK/peer.img"
  truncate -s "$SIZE" "$WORK/peer.img"
  echo '2048,,c,*' | sfdisk -q "$WORK/peer.img" >/dev/null
  local sectors
  sectors=$(( $(stat -c %s "$WORK/peer.img") / 512 - 2048 ))
  mkfs.fat -F 32 -n PEERBENCH --offset 2048 "$WORK/peer.img" $((sectors / 2)) >/dev/null
  mcopy -s -i "$WORK/peer.img@@1M" "$TREE"/* ::/
  sync -f "$WORK/peer.img"
}
best_of() {
  local best=""
  for _ in $(seq "$RUNS"); do
    warm
    local s e t
    s=$(date +%s%N); "$@"; e=$(date +%s%N)
    t=$(( (e - s) / 1000000 ))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  echo "$best"
}

t_mf=$(best_of mediaforge_usb)
t_peer=$(best_of peer_usb)

# Judges, outside the timing.
check() {
  local img=$1
  dd if="$img" of="$WORK/part.img" bs=1M skip=1 status=none
  fsck.fat -n "$WORK/part.img" >/dev/null || { echo "fsck.fat found problems in $img" >&2; exit 1; }
  local listed
  listed=$(mdir -/ -b -i "$img@@1M" :: | grep -vc '/$' || true)
  echo "$listed"
  rm -f "$WORK/part.img"
}
n_mf=$(check "$WORK/mf.img")
n_peer=$(check "$WORK/peer.img")

printf '\ntree: %d files, %d bytes; image %s; best of %d, warm page cache for both\n' "$NFILES" "$TREE_BYTES" "$SIZE" "$RUNS"
printf '%-52s %8s ms  (%s entries listed by mdir)\n' "mediaforge usb" "$t_mf" "$n_mf"
printf '%-52s %8s ms  (%s entries listed by mdir)\n' "sfdisk + mkfs.fat -F 32 + mcopy -s" "$t_peer" "$n_peer"
awk -v a="$t_peer" -v b="$t_mf" 'BEGIN {printf "ratio: mediaforge is %.1fx faster   [goal >= 3]\n", a / b}'
