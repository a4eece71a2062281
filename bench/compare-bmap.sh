#!/usr/bin/env bash
# bmap (issue 12): a sparse image written with its bmap, against `bmaptool copy` with the same
# bmap and against writing the whole image, onto loop devices throttled like a USB 3 stick
# (write 25 MB/s, read 125 MB/s).
#
# Throttling: cgroup v2 io.max when this machine has a unified blkio/io controller; otherwise
# cgroup v1 blkio.throttle.{write,read}_bps_device set in the ROOT blkio group for our loop
# devices only (buffered writeback runs in the root group under v1, so a child group would not
# throttle bmaptool's page-cache writes; the root rule applies to every writer alike). The rules
# are removed on exit.
#
# Usage: bench/compare-bmap.sh [IMAGE_GIB=4] [MAPPED_GIB=1] [RUNS=1]
#        (root; needs losetup, bmaptool; MEDIAFORGE=path/to/mediaforge)
set -euo pipefail
IMAGE_GIB=${1:-4}
MAPPED_GIB=${2:-1}
RUNS=${3:-1}
WRITE_BPS=${WRITE_BPS:-25000000}
READ_BPS=${READ_BPS:-125000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MF=${MEDIAFORGE:-$ROOT/build/tools/mediaforge}
WORK=$(mktemp -d /var/tmp/mf-compare-bmap.XXXXXX)
. "$ROOT/bench/throttle.sh"

[ -x "$MF" ] || { echo "build mediaforge first ($MF)"; exit 2; }
for t in losetup lsblk bmaptool; do command -v "$t" >/dev/null || { echo "missing $t"; exit 2; }; done

throttle_setup mf-bmap-bench


IMG=$WORK/img
SIZE=$((IMAGE_GIB << 30))
MAPPED=$((MAPPED_GIB << 30))
CLUSTERS=64
CLUSTER=$((MAPPED / CLUSTERS))
STRIDE=$((SIZE / CLUSTERS))
echo "# image ${IMAGE_GIB} GiB sparse, ${MAPPED_GIB} GiB mapped in $CLUSTERS clusters; throttle: write $WRITE_BPS B/s, read $READ_BPS B/s via $MODE"
echo "# $(nproc) cores, $(uname -r), load: $(cut -d' ' -f1-3 /proc/loadavg); runs: $RUNS (median)"
truncate -s "$SIZE" "$IMG"
head -c "$CLUSTER" /dev/urandom > "$WORK/chunk"
for i in $(seq 0 $((CLUSTERS - 1))); do
  # Each cluster different (the chunk rotated by i bytes) so no tool can dedupe.
  { tail -c +$((i + 1)) "$WORK/chunk"; head -c "$i" "$WORK/chunk"; } |
    dd of="$IMG" bs=1M seek=$((i * STRIDE / 1048576)) conv=notrunc status=none
done
rm "$WORK/chunk"
cat "$IMG" > /dev/null  # page cache, for every tool alike

s=$(date +%s%N); "$MF" bmap "$IMG" -o "$IMG.bmap" >/dev/null 2>&1; e=$(date +%s%N)
t_make_ours=$(awk -v n=$((e - s)) 'BEGIN {printf "%.2f", n / 1e9}')
s=$(date +%s%N); bmaptool create -o "$WORK/their.bmap" "$IMG" 2>/dev/null; e=$(date +%s%N)
t_make_theirs=$(awk -v n=$((e - s)) 'BEGIN {printf "%.2f", n / 1e9}')

for i in 0 1 2; do
  truncate -s $((SIZE + (64 << 20))) "$WORK/disk$i"
  LOOPS+=("$(losetup -f --show --direct-io=on "$WORK/disk$i")")
  throttle "${LOOPS[$i]}"
done

median_seconds() {
  local times=()
  for _ in $(seq "$RUNS"); do
    local s e
    s=$(date +%s%N)
    run "$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; return 1; }
    e=$(date +%s%N)
    times+=("$(( (e - s) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", a[int((NR+1)/2)]/1e6}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

t_mf=$(median_seconds "$MF" write "$IMG" "${LOOPS[0]}" --bmap "$IMG.bmap" --yes --force --no-progress)
t_bt=$(median_seconds bmaptool copy --bmap "$IMG.bmap" "$IMG" "${LOOPS[1]}")
t_full=$(median_seconds "$MF" write "$IMG" "${LOOPS[2]}" --no-bmap --no-zero-out --yes --force --no-progress)
wz=$(cat "/sys/block/$(basename "${LOOPS[2]}")/queue/write_zeroes_max_bytes")
t_full_zo=$(median_seconds "$MF" write "$IMG" "${LOOPS[2]}" --no-bmap --yes --force --no-progress)
t_mf_v=$(median_seconds "$MF" write "$IMG" "${LOOPS[0]}" --bmap "$IMG.bmap" --verify --yes --force --no-progress)

# Same device content in the mapped ranges: compare all three devices over the image size.
same=yes
cmp -n "$SIZE" "${LOOPS[0]}" "${LOOPS[1]}" >/dev/null || same="NO (mediaforge vs bmaptool)"
cmp -n "$SIZE" "${LOOPS[0]}" "${LOOPS[2]}" >/dev/null || same="NO (bmap vs full write)"

printf '%-44s %8s\n' "what" "seconds"
printf '%-44s %8s\n' "mediaforge bmap (make the bmap)" "$t_make_ours"
printf '%-44s %8s\n' "bmaptool create" "$t_make_theirs"
printf '%-44s %8s\n' "mediaforge write --bmap" "$t_mf"
printf '%-44s %8s\n' "bmaptool copy --bmap" "$t_bt"
printf '%-44s %8s\n' "mediaforge write --no-bmap (whole image)" "$t_full"
printf '%-44s %8s\n' "mediaforge write --bmap --verify" "$t_mf_v"
printf '%-44s %8s\n' "whole image, holes by BLKZEROOUT (wz=$wz)" "$t_full_zo"
echo "bmaptool copy / mediaforge --bmap: $(ratio "$t_bt" "$t_mf")x (want >= 1)"
echo "whole image / mediaforge --bmap:   $(ratio "$t_full" "$t_mf")x (want >= 3.5; bound $(ratio "$SIZE" "$MAPPED")x)"
echo "holes written / holes zeroed out:  $(ratio "$t_full" "$t_full_zo")x"
echo "devices identical over the image: $same"
