#!/usr/bin/env bash
# Delta rewrite and repair (issue 12) on loop devices throttled like a USB 3 stick (write 25 MB/s,
# read 125 MB/s; cgroup v2 io.max or v1 blkio.throttle as in compare-bmap.sh):
#   - a 1 GiB image over a target holding the previous version, 2% of its 4 KiB blocks changed in
#     ~20 clusters: `write --delta` against a full write (the bound at these rates is 5x);
#   - repair of 10 scattered bad blocks against one `verify --image`.
#
# Usage: bench/compare-delta.sh [IMAGE_MIB=1024]     (root; MEDIAFORGE=path/to/mediaforge)
set -euo pipefail
IMAGE_MIB=${1:-1024}
WRITE_BPS=${WRITE_BPS:-25000000}
READ_BPS=${READ_BPS:-125000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MF=${MEDIAFORGE:-$ROOT/build/tools/mediaforge}
WORK=$(mktemp -d /var/tmp/mf-compare-delta.XXXXXX)
. "$ROOT/bench/throttle.sh"
[ -x "$MF" ] || { echo "build mediaforge first ($MF)"; exit 2; }

throttle_setup mf-delta-bench
seconds() {  # seconds CMD...: wall time of one run (fails loudly)
  local s e; s=$(date +%s%N)
  run "$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; exit 1; }
  e=$(date +%s%N); awk -v n=$((e - s)) 'BEGIN {printf "%.2f", n / 1e9}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

SIZE=$((IMAGE_MIB << 20))
BLOCKS=$((SIZE / 4096))
CHANGED=$((BLOCKS * 2 / 100))
CLUSTERS=20
PER=$((CHANGED / CLUSTERS))
echo "# image ${IMAGE_MIB} MiB; $CHANGED of $BLOCKS 4 KiB blocks changed in $CLUSTERS clusters; throttle: write $WRITE_BPS B/s, read $READ_BPS B/s via $MODE"
echo "# $(nproc) cores, $(uname -r), load: $(cut -d' ' -f1-3 /proc/loadavg)"
head -c "$SIZE" /dev/urandom > "$WORK/v1"
cp "$WORK/v1" "$WORK/v2"
for c in $(seq 0 $((CLUSTERS - 1))); do
  head -c $((PER * 4096)) /dev/urandom |
    dd of="$WORK/v2" bs=4096 seek=$((c * (BLOCKS / CLUSTERS) + 7)) conv=notrunc status=none
done
cat "$WORK/v1" "$WORK/v2" > /dev/null
for i in 0 1; do
  cp "$WORK/v1" "$WORK/disk$i"  # both targets hold the previous version
  LOOPS+=("$(losetup -f --show --direct-io=on "$WORK/disk$i")")
  throttle "${LOOPS[$i]}"
done

t_full=$(seconds "$MF" write "$WORK/v2" "${LOOPS[0]}" --yes --force --no-progress)
t_delta=$(seconds "$MF" write "$WORK/v2" "${LOOPS[1]}" --delta --yes --force --no-progress)
run "$MF" write "$WORK/v2" "${LOOPS[1]}" --delta --yes --force --no-progress --json > "$WORK/delta.json" 2>/dev/null || true
cmp "${LOOPS[0]}" "${LOOPS[1]}" >/dev/null && same=yes || same=NO

# Repair: 10 scattered bytes flipped on the device (through the loop device, cache bypassed).
for k in $(seq 0 9); do
  off=$((k * (SIZE / 10) + 12345))
  printf '\xA5' | dd of="${LOOPS[1]}" bs=1 seek=$off conv=notrunc status=none oflag=sync
done
t_verify=$(seconds "$MF" verify "${LOOPS[0]}" --image "$WORK/v2" --no-progress)
t_repair=$(seconds "$MF" verify "${LOOPS[1]}" --image "$WORK/v2" --repair --yes --force --no-progress)
cmp "${LOOPS[0]}" "${LOOPS[1]}" >/dev/null && repaired=yes || repaired=NO

printf '%-42s %8s\n' "what" "seconds"
printf '%-42s %8s\n' "mediaforge write (full)" "$t_full"
printf '%-42s %8s\n' "mediaforge write --delta" "$t_delta"
printf '%-42s %8s\n' "mediaforge verify --image" "$t_verify"
printf '%-42s %8s\n' "mediaforge verify --image --repair (10)" "$t_repair"
echo "full / delta: $(ratio "$t_full" "$t_delta")x (want >= 4; bound 5x)"
echo "repair - verify: $(awk -v a="$t_repair" -v b="$t_verify" 'BEGIN {printf "%.2f", a - b}') s (want <= 1)"
echo "second --delta pass (nothing to do): $(tail -1 "$WORK/delta.json" | head -c 400)"
echo "delta target identical to full write: $same; repaired device identical: $repaired"
