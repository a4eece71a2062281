#!/usr/bin/env bash
# `mediaforge bench` side by side with its peers on one loop device (losetup --direct-io=on over
# a pre-written file in /var/tmp), in one run:
#   - each throughput figure (seq 1M QD1/QD8 write+read, rand 4K QD1/QD32 write+read) against
#     fio with the equivalent job (--direct=1 --ioengine=io_uring, same bs/iodepth/region, random
#     jobs time-boxed like ours, writes ending in a flush like ours: --end_fsync=1);
#   - the --full pass (fill + read back the whole device) against f3write + f3read on an ext4
#     file system made on the same device (f3 needs a mounted file system).
# The machine is shared and noisy, so every figure is measured ROUNDS times with the two tools
# alternating (odd rounds mediaforge first, even rounds the peer first); the verdict is on the
# median of the per-round ratios (ratio*), the columns show each tool's median and range.
# With THROTTLE=1 the same runs happen under a blkio throttle on the loop device (a USB-stick-
# like 120 MB/s write, 200 MB/s read, 3000/5000 IOPS), where the device, not the host, sets the
# pace; the full pass is then skipped (f3write's page-cache writeback escapes a cgroup-v1
# throttle, so the comparison would not be fair). PRIO="chrt -f 10" (or "nice -n -20") runs both
# tools alike at a raised priority, shielding them from other load on a shared machine.
# CONTROL=1 puts fio in mediaforge's column too: how often fio misses +-15% against itself
# through the same harness is the noise floor of the machine.
#
# Usage: bench/compare-bench.sh [SIZE_MIB=2048] [ROUNDS=5] [SECONDS=3] [TEST_MIB=1024]
#        (root; needs fio, f3write, f3read, mkfs.ext4, losetup; MEDIAFORGE=path/to/mediaforge)
set -euo pipefail
SIZE_MIB=${1:-2048}
ROUNDS=${2:-5}
SECS=${3:-3}
TEST_MIB=${4:-1024}
FULL_ROUNDS=${FULL_ROUNDS:-3}
THROTTLE=${THROTTLE:-0}
PRIO=${PRIO:-}
CONTROL=${CONTROL:-0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MF=${MEDIAFORGE:-$ROOT/build/tools/mediaforge}
WORK=$(mktemp -d /var/tmp/mf-compare-bench.XXXXXX)
MNT="$WORK/mnt"
LOOP=""
CG=""
cleanup() {
  if mountpoint -q "$MNT" 2>/dev/null; then umount "$MNT" || true; fi
  if [ -n "$LOOP" ]; then losetup -d "$LOOP" 2>/dev/null || true; fi
  if [ -n "$CG" ]; then rmdir "$CG" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

[ -x "$MF" ] || { echo "build mediaforge first ($MF)"; exit 2; }
for t in fio f3write f3read mkfs.ext4 losetup python3 mountpoint; do
  command -v "$t" >/dev/null || { echo "missing $t"; exit 2; }
done

dd if=/dev/zero of="$WORK/disk" bs=16M count=$((SIZE_MIB / 16)) oflag=direct status=none
LOOP=$(losetup -f --show --direct-io=on "$WORK/disk")
mkdir -p "$MNT"

# Runs "$@" (at PRIO) inside the throttled cgroup when THROTTLE=1.
run() {
  if [ -n "$CG" ]; then
    sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" $PRIO "$@"
  else
    $PRIO "$@"
  fi
}
if [ "$THROTTLE" = 1 ]; then
  CG=/sys/fs/cgroup/blkio/mf-compare-bench-$$
  mkdir "$CG"
  DEVNO=$(lsblk -dno MAJ:MIN "$LOOP" | tr -d ' ')
  echo "$DEVNO 120000000" > "$CG/blkio.throttle.write_bps_device"
  echo "$DEVNO 200000000" > "$CG/blkio.throttle.read_bps_device"
  echo "$DEVNO 3000" > "$CG/blkio.throttle.write_iops_device"
  echo "$DEVNO 5000" > "$CG/blkio.throttle.read_iops_device"
  FULL_ROUNDS=0
fi

echo "# $(date -u +%FT%TZ)  $(nproc) cores  kernel $(uname -r)  $(fio --version)  f3 $(f3write --version 2>&1 | head -1 | awk '{print $3}')"
echo "# loop device $LOOP over $SIZE_MIB MiB in /var/tmp (--direct-io=on)$([ -n "$CG" ] && echo ', blkio-throttled')"
[ "$CONTROL" = 1 ] && echo "# CONTROL: fio in both columns (noise floor)"
echo "# figures: first $TEST_MIB MiB, random runs ${SECS}s, $ROUNDS alternating rounds, medians${PRIO:+, both tools under '$PRIO'}"

# mf_figure NAME -> "MB/s IOPS" from mediaforge bench --json.
mf_figure() {
  run "$MF" bench "$LOOP" --test "$1" --runs 1 --seconds "$SECS" --size "${TEST_MIB}M" \
    --yes --force --no-progress --json 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(r["mb_per_s"], r["iops"])'
}
# fio_figure RW BS QD -> "MB/s IOPS" from the equivalent fio job.
fio_figure() {
  local extra=()
  case "$1" in rand*) extra=(--time_based --runtime="$SECS" --norandommap --randrepeat=0) ;; esac
  case "$1" in *write) extra+=(--end_fsync=1) ;; esac
  run fio --name=cmp --filename="$LOOP" --rw="$1" --bs="$2" --iodepth="$3" --direct=1 \
    --ioengine=io_uring --size="${TEST_MIB}M" "${extra[@]}" --output-format=json 2>/dev/null |
    python3 -c 'import json,sys
j=json.load(sys.stdin)["jobs"][0]; d=j["write"] if j["write"]["io_bytes"] else j["read"]
print(d["bw_bytes"]/1e6, d["iops"])'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
spread() { sort -g | awk '{a[NR]=$1} END {printf "%.0f-%.0f", a[1], a[NR]}'; }

printf '\n%-16s %10s %12s %10s %12s %7s  %s\n' figure "mf MB/s" "(range)" "fio MB/s" "(range)" "ratio*" verdict
FAILS=0
for fig in "seq-write-qd1 write 1M 1" "seq-write-qd8 write 1M 8" "seq-read-qd1 read 1M 1" \
  "seq-read-qd8 read 1M 8" "rand-write-qd1 randwrite 4k 1" "rand-write-qd32 randwrite 4k 32" \
  "rand-read-qd1 randread 4k 1" "rand-read-qd32 randread 4k 32"; do
  set -- $fig
  if [ "$CONTROL" = 1 ]; then
    eval "mf_figure() { fio_figure $2 $3 $4; }"
  fi
  mf=() fi=() ratios=()
  for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then
      a=$(mf_figure "$1" | awk '{print $1}')
      b=$(fio_figure "$2" "$3" "$4" | awk '{print $1}')
    else
      b=$(fio_figure "$2" "$3" "$4" | awk '{print $1}')
      a=$(mf_figure "$1" | awk '{print $1}')
    fi
    mf+=("$a") fi+=("$b") ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN {print a / b}')")
  done
  m=$(printf '%s\n' "${mf[@]}" | median)
  f=$(printf '%s\n' "${fi[@]}" | median)
  # Paired: the median of the per-round ratios (each round's two runs are back to back, so slow
  # drifts of the machine's load cancel).
  ratio=$(printf '%s\n' "${ratios[@]}" | median | awk '{printf "%.2f", $1}')
  verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.85 && r <= 1.15) ? "within 15%" : "OUTSIDE 15%"}')
  [ "$verdict" = "within 15%" ] || FAILS=$((FAILS + 1))
  printf '%-16s %10.1f %12s %10.1f %12s %7s  %s\n' "$1" "$m" \
    "($(printf '%s\n' "${mf[@]}" | spread))" "$f" "($(printf '%s\n' "${fi[@]}" | spread))" \
    "$ratio" "$verdict"
done

# --- full pass: mediaforge --full on the raw device vs f3write + f3read on ext4 over it ---
mf_full() {
  run "$MF" bench "$LOOP" --full --yes --force --no-progress --json 2>/dev/null |
    python3 -c 'import json,sys; f=json.load(sys.stdin)["full"]
print(f["declared_bytes"], f["write_seconds"], f["read_seconds"], len(f["bad_regions"]))'
}
f3_full() {
  mkfs.ext4 -q -F "$LOOP"
  mount "$LOOP" "$MNT"
  local s m e bytes
  s=$(date +%s%N)
  run f3write "$MNT" >"$WORK/f3write.log" 2>&1
  m=$(date +%s%N)
  run f3read "$MNT" >"$WORK/f3read.log" 2>&1
  e=$(date +%s%N)
  bytes=$(du -cb "$MNT"/*.h2w | tail -1 | cut -f1)
  umount "$MNT"
  grep -q "Data LOST: 0.00 Byte" "$WORK/f3read.log" || echo "f3read reported lost data" >&2
  echo "$bytes $(awk -v a="$s" -v b="$m" 'BEGIN {print (b - a) / 1e9}') $(awk -v a="$m" -v b="$e" 'BEGIN {print (b - a) / 1e9}')"
}
if [ "$FULL_ROUNDS" = 0 ]; then
  echo
  echo "# goals missed: $FAILS"
  exit 0
fi
printf '\n%-26s %12s %10s %10s %14s\n' "full pass" "bytes" "write s" "read s" "MB/s (w+r)"
mf_rates=() f3_rates=()
for r in $(seq "$FULL_ROUNDS"); do
  for tool in mf f3; do
    if [ $((r % 2)) = 0 ]; then tool=$([ "$tool" = mf ] && echo f3 || echo mf); fi
    if [ "$tool" = mf ]; then
      read -r bytes w rd bad < <(mf_full)
      [ "$bad" = 0 ] || echo "mediaforge reported $bad bad regions" >&2
      label="mediaforge bench --full"
    else
      read -r bytes w rd < <(f3_full)
      label="f3write + f3read"
    fi
    rate=$(awk -v b="$bytes" -v w="$w" -v r="$rd" 'BEGIN {printf "%.1f", 2 * b / (w + r) / 1e6}')
    if [ "$tool" = mf ]; then mf_rates+=("$rate"); else f3_rates+=("$rate"); fi
    printf '%-26s %12s %10.2f %10.2f %14s\n' "$label (round $r)" "$bytes" "$w" "$rd" "$rate"
  done
done
m=$(printf '%s\n' "${mf_rates[@]}" | median)
f=$(printf '%s\n' "${f3_rates[@]}" | median)
ratio=$(awk -v a="$m" -v b="$f" 'BEGIN {printf "%.2f", a / b}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 1.0) ? "at least as fast" : "SLOWER"}')
[ "$verdict" = "at least as fast" ] || FAILS=$((FAILS + 1))
printf '%-26s %12s %10s %10s %14s  ratio %s  %s\n' "median (MB/s moved)" "" "" "" "$m vs $f" "$ratio" "$verdict"
echo
echo "# goals missed: $FAILS"
