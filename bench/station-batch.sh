#!/usr/bin/env bash
# `mediaforge station` (issue 13): four USB-stick-like targets arriving one second apart, against
# one stick alone; and peak RSS with eight sticks in flight.
# Sticks are loop devices throttled like USB 2.0 flash with the blkio cgroup controller
# (cgroup v1 blkio.throttle.*_bps_device here; io.max on a cgroup v2 machine): the station runs
# inside the cgroup, so its writes and reads of each loop device are held to WRITE/READ MB/s.
# Usage: bench/station-batch.sh [MEDIAFORGE] [IMAGE_MIB] [WRITE_MBPS] [READ_MBPS]
set -euo pipefail
MF=${1:-build-station/tools/mediaforge}
MIB=${2:-64}
WBPS=$(( ${3:-20} * 1000000 ))
RBPS=$(( ${4:-40} * 1000000 ))
MF=$(readlink -f "$MF")
work=$(mktemp -d /var/tmp/station-bench.XXXXXX)
loops=()
cg=""
cleanup() {
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  [ -n "$cg" ] && rmdir "$cg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -d /sys/fs/cgroup/blkio ]; then
  cg=/sys/fs/cgroup/blkio/mf-station-bench-$$
  mkdir "$cg"
  throttle() {  # DEVICE
    local mm; mm=$(lsblk -dno MAJ:MIN "$1" | tr -d ' ')
    echo "$mm $WBPS" > "$cg/blkio.throttle.write_bps_device"
    echo "$mm $RBPS" > "$cg/blkio.throttle.read_bps_device"
  }
  enter() { echo "$1" > "$cg/cgroup.procs"; }
else
  cg=/sys/fs/cgroup/mf-station-bench-$$
  mkdir "$cg"
  throttle() {
    local mm; mm=$(lsblk -dno MAJ:MIN "$1" | tr -d ' ')
    echo "$mm wbps=$WBPS rbps=$RBPS" > "$cg/io.max"
  }
  enter() { echo "$1" > "$cg/cgroup.procs"; }
fi

head -c $((MIB << 20)) /dev/urandom > "$work/image.img"

# run N_STICKS SPACING_S -> prints seconds from the first arrival to the station's exit, and peak RSS
run() {
  local n=$1 spacing=$2 tag=$3
  local files=()
  for i in $(seq 1 "$n"); do
    truncate -s $(( (MIB + 64) << 20 )) "$work/stick-$tag-$i.img"
    files+=("$work/stick-$tag-$i.img")
  done
  ( enter $BASHPID; exec /usr/bin/time -f "%M" -o "$work/rss-$tag" "$MF" station "$work/image.img" \
      --json --yes --force --match "$work/stick-$tag-*" --count "$n" --poll-ms 100 \
      --db "$work/db.sqlite" > "$work/out-$tag.jsonl" 2> "$work/err-$tag" ) &
  local pid=$!
  until grep -q '"event":"start"' "$work/out-$tag.jsonl" 2>/dev/null; do sleep 0.05; done
  local t0; t0=$(date +%s.%N)
  for f in "${files[@]}"; do
    local l; l=$(losetup -f --show "$f")
    loops+=("$l")
    throttle "$l"
    sleep "$spacing"
  done
  wait $pid || { echo "station failed:"; cat "$work/err-$tag"; exit 1; }
  local t1; t1=$(date +%s.%N)
  local ok; ok=$(grep -c '"state":"written"' "$work/out-$tag.jsonl" || true)
  printf '%s: %d sticks, %d written, %.2f s from the first arrival, peak RSS %d KiB\n' \
    "$tag" "$n" "$ok" "$(echo "$t1 - $t0" | bc)" "$(cat "$work/rss-$tag")"
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  loops=()
}

echo "image ${MIB} MiB; sticks throttled to $((WBPS/1000000)) MB/s write, $((RBPS/1000000)) MB/s read; load: $(cut -d' ' -f1-3 /proc/loadavg)"
run 1 0 one
run 4 1 four
run 8 0 eight
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
