#!/usr/bin/env bash
# Side by side on one loop device (losetup --direct-io=on), in one run:
#   dd bs=4M oflag=direct conv=fsync  |  fio sequential write 1M QD8 direct  |  mediaforge write
# plus the cost of --sha256 against `openssl speed -evp sha256`, verify --image against just
# reading the image and the device, 4 targets at once against one, and peak RSS writing a
# 16 GiB sparse image. Each timing is the median of RUNS runs; the image is kept in the page
# cache for every tool alike. Prints a table and the ratios (the machine is noisy: read ratios).
#
# Usage: bench/compare-write.sh [SIZE_MIB=2048] [RUNS=5]     (root; needs dd, fio, losetup)
#
# PAIRED=1 (issue 16) instead runs RUNS paired, alternating rounds with a cold page cache before
# every timing, the floor measured in the same round: write (floor: the slower of fio's direct
# read of the image alone and fio's direct write of the device alone; and dd), verify --image (floor: the
# slower of reading the image and reading the device), capture of the device into an image file
# (floor: the slower of reading the device and a direct write of as many bytes to a file). Prints
# every round and min / median / max of each ratio. Where the image and the loop device's file
# share one disk the two streams of each tool compete, so the floor of doing both at once is
# measured too (*_both: one fio running both streams together); IMAGE_DIR=/dev/shm puts the image
# and capture's output in memory, leaving the device as the only floor. MEDIAFORGE_STAGE_TRACE=FILE
# adds the engine's per-stage profile of every run to FILE.
set -euo pipefail
SIZE_MIB=${1:-2048}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MF=${MEDIAFORGE:-$ROOT/build/tools/mediaforge}
WORK=$(mktemp -d /var/tmp/mf-compare-write.XXXXXX)
# IMAGE_DIR: where the image (and capture's output) live; default beside the loop devices'
# files. IMAGE_DIR=/dev/shm takes that side off the disk: the device alone is then the floor.
IMG_DIR=$WORK
[ -n "${IMAGE_DIR:-}" ] && IMG_DIR=$(mktemp -d "$IMAGE_DIR/mf-compare-write.XXXXXX")
LOOPS=()
cleanup() {
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$WORK" "$IMG_DIR"
}
trap cleanup EXIT INT TERM

[ -x "$MF" ] || { echo "build mediaforge first ($MF)"; exit 2; }
for t in dd fio losetup lsblk openssl /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing $t"; exit 2; }
done

echo "# image: ${SIZE_MIB} MiB random; runs: $RUNS (median); $(nproc) cores; $(uname -r)"
head -c $((SIZE_MIB << 20)) /dev/urandom > "$IMG_DIR/img"
cat "$IMG_DIR/img" > /dev/null
for i in 0 1 2 3; do
  truncate -s $(((SIZE_MIB + 64) << 20)) "$WORK/disk$i"
  LOOPS+=("$(losetup -f --show --direct-io=on "$WORK/disk$i")")
done
DEV=${LOOPS[0]}
BYTES=$((SIZE_MIB << 20))

if [ "${PAIRED:-0}" = 1 ]; then
  . "$ROOT/bench/paired.sh"
  PAIRED_ERR=$WORK/err
  CAP_BYTES=$(blockdev --getsize64 "$DEV")
  echo "# paired cold rounds; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-5s %7s %7s %7s %7s %7s | %7s %7s %7s %7s | %7s %7s %7s %7s | %s\n' round read_img \
    fio_wr wr_both dd mf_wr rd_dev v_flr rd_both verify cap_rd cap_wr c_both capture load
  w_floor=""; w_dd=""; v_floor=""; c_floor=""; w_both=""; v_both=""; c_both=""
  for r in $(seq "$RUNS"); do
    row=()
    # Alternate the order of the tools between rounds so drift in the machine's load hits both.
    if [ $((r % 2)) = 1 ]; then order="floor tools"; else order="tools floor"; fi
    for part in $order; do
      if [ "$part" = floor ]; then
        # The image read alone at its physical floor: direct, 8 reads of 1 MiB in flight (a cold
        # `cat` reads at the page cache's read-ahead, 2-4x slower than the disk on this machine).
        cold; t_img=$(run_ms fio --name=r --filename="$IMG_DIR/img" --rw=read --bs=1M --iodepth=8 \
          --ioengine=libaio --direct=1 --size="${SIZE_MIB}M")
        t_fio=$(run_ms fio --name=w --filename="$DEV" --rw=write --bs=1M --iodepth=8 \
          --ioengine=libaio --direct=1 --size="${SIZE_MIB}M" --end_fsync=1)
        # Here the image and the loop device's backing file share one virtio disk, so each
        # tool's two streams also compete with each other: the floor of doing both at once is
        # the two fio streams run together (one fio, two jobs), measured as well.
        cold; t_wboth=$(run_ms fio --ioengine=libaio --direct=1 --bs=1M --iodepth=8 \
          --name=r --filename="$IMG_DIR/img" --rw=read --size="${SIZE_MIB}M" \
          --name=w --filename="$DEV" --rw=write --size="${SIZE_MIB}M" --end_fsync=1)
        cold; t_vboth=$(run_ms fio --ioengine=libaio --direct=1 --bs=1M --iodepth=8 --rw=read \
          --size="${SIZE_MIB}M" --name=i --filename="$IMG_DIR/img" --name=d --filename="$DEV")
        cold; t_cboth=$(run_ms fio --ioengine=libaio --direct=1 --bs=1M --iodepth=8 \
          --name=r --filename="$DEV" --rw=read --size="$CAP_BYTES" \
          --name=w --filename="$IMG_DIR/capfloor" --rw=write --size="$CAP_BYTES" --fallocate=none \
          --end_fsync=1)
        rm -f "$IMG_DIR/capfloor"
        cold; t_rdev=$(run_ms dd if="$DEV" of=/dev/null bs=4M iflag=direct count=$((SIZE_MIB / 4)))
        cold; t_crd=$(run_ms dd if="$DEV" of=/dev/null bs=4M iflag=direct)
        t_cwr=$(run_ms dd if=/dev/zero of="$IMG_DIR/capfloor" bs=4M count=$((CAP_BYTES >> 22)) \
          oflag=direct conv=fsync)
        rm -f "$IMG_DIR/capfloor"
      else
        cold; t_dd=$(run_ms dd if="$IMG_DIR/img" of="$DEV" bs=4M oflag=direct conv=fsync)
        cold; t_mf=$(run_ms "$MF" write "$IMG_DIR/img" "$DEV" --yes --force --no-progress)
        cold; t_ver=$(run_ms "$MF" verify "$DEV" --image "$IMG_DIR/img" --no-progress)
        rm -f "$IMG_DIR/cap.img"; cold
        t_cap=$(run_ms "$MF" capture "$DEV" -o "$IMG_DIR/cap.img" --no-progress)
        rm -f "$IMG_DIR/cap.img"
      fi
    done
    fw=$(max_of "$t_img" "$t_fio"); fv=$(max_of "$t_img" "$t_rdev"); fc=$(max_of "$t_crd" "$t_cwr")
    w_floor+=" $(ratio "$t_mf" "$fw")"; w_dd+=" $(ratio "$t_mf" "$t_dd")"
    v_floor+=" $(ratio "$t_ver" "$fv")"; c_floor+=" $(ratio "$t_cap" "$fc")"
    w_both+=" $(ratio "$t_mf" "$t_wboth")"; v_both+=" $(ratio "$t_ver" "$t_vboth")"
    c_both+=" $(ratio "$t_cap" "$t_cboth")"
    printf '%-5s %7s %7s %7s %7s %7s | %7s %7s %7s %7s | %7s %7s %7s %7s | %s\n' "$r" "$t_img" \
      "$t_fio" "$t_wboth" "$t_dd" "$t_mf" "$t_rdev" "$fv" "$t_vboth" "$t_ver" "$t_crd" "$t_cwr" \
      "$t_cboth" "$t_cap" "$(cut -d' ' -f1 /proc/loadavg)"
  done
  echo
  echo "ratios over $RUNS rounds, min / median / max (goal):"
  echo "  write / floor:          $(spread "$w_floor")   (median <= 1.15, max <= 1.4)"
  echo "  write / dd:             $(spread "$w_dd")   (faster than dd in $(count_below 1 "$w_dd") of $RUNS rounds; >= 6 of 7)"
  echo "  verify --image / floor: $(spread "$v_floor")   (median <= 1.1)"
  echo "  capture / floor:        $(spread "$c_floor")   (median <= 1.15)"
  echo "against both streams at once (one fio, the same disk; *_both columns):"
  echo "  write / both:           $(spread "$w_both")"
  echo "  verify --image / both:  $(spread "$v_both")"
  echo "  capture / both:         $(spread "$c_both")"
  echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

# median_seconds CMD...: runs CMD RUNS times, prints the median wall time in seconds.
median_seconds() {
  local times=()
  for _ in $(seq "$RUNS"); do
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; return 1; }
    e=$(date +%s%N)
    times+=("$(( (e - s) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]/1e6}'
}
mbs() { awk -v b="$BYTES" -v s="$1" 'BEGIN {printf "%.0f", b / s / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

t_dd=$(median_seconds dd if="$IMG_DIR/img" of="$DEV" bs=4M oflag=direct conv=fsync)
t_fio=$(median_seconds fio --name=w --filename="$DEV" --rw=write --bs=1M --iodepth=8 \
  --ioengine=libaio --direct=1 --size="${SIZE_MIB}M" --end_fsync=1)
t_mf=$(median_seconds "$MF" write "$IMG_DIR/img" "$DEV" --yes --force --no-progress)
t_mf_sha=$(median_seconds "$MF" write "$IMG_DIR/img" "$DEV" --yes --force --no-progress --sha256)
sha_rate=$(openssl speed -evp sha256 -seconds 2 -bytes 16384 2>/dev/null | awk '/^sha256/ {print $2}' | tr -d k)
t_sha_floor=$(awk -v b="$BYTES" -v r="$sha_rate" 'BEGIN {printf "%.3f", b / (r * 1000)}')
t_verify=$(median_seconds "$MF" verify "$DEV" --image "$IMG_DIR/img" --no-progress)
t_read_img=$(median_seconds cat "$IMG_DIR/img")
t_read_dev=$(median_seconds dd if="$DEV" of=/dev/null bs=4M iflag=direct count=$((SIZE_MIB / 4)))
t_mf4=$(median_seconds "$MF" write "$IMG_DIR/img" "${LOOPS[@]}" --yes --force --no-progress)
t_write_verify=$(median_seconds "$MF" write "$IMG_DIR/img" "$DEV" --yes --force --no-progress --verify)

# Four targets sharing one backing disk measure that disk, not the fan-out: compare with four
# dd's in parallel (the disk's own limit). Then four independent 200 MB/s devices (a blkio
# throttle per loop device, like four USB sticks), where the fan-out itself is what is measured.
dd4() {
  for l in "${LOOPS[@]}"; do dd if="$IMG_DIR/img" of="$l" bs=4M oflag=direct conv=fsync 2>/dev/null & done
  wait
}
t_dd4=$(median_seconds dd4)
CG=/sys/fs/cgroup/blkio/mf-compare-write-$$
t_thr1=n/a; t_thr4=n/a
if mkdir "$CG" 2>/dev/null; then
  for l in "${LOOPS[@]}"; do
    echo "$(lsblk -dno MAJ:MIN "$l" | tr -d ' ') 200000000" > "$CG/blkio.throttle.write_bps_device"
  done
  head -c $((512 << 20)) "$IMG_DIR/img" > "$WORK/img512"
  in_cg() { bash -c 'echo $$ > "$0/cgroup.procs"; shift; exec "$@"' "$CG" _ "$@"; }
  t_thr1=$(median_seconds in_cg "$MF" write "$WORK/img512" "$DEV" --yes --force --no-progress)
  t_thr4=$(median_seconds in_cg "$MF" write "$WORK/img512" "${LOOPS[@]}" --yes --force --no-progress)
  rmdir "$CG" 2>/dev/null || true
fi

# Peak RSS writing a 16 GiB sparse image to an image file (zero pages stay holes).
truncate -s 16G "$WORK/sparse16g"
rss_kb=$(/usr/bin/time -f '%M' "$MF" write "$WORK/sparse16g" "$WORK/out16g" --no-progress 2>&1 >/dev/null | tail -1)
rm -f "$WORK/out16g"

printf '\n%-44s %9s %9s\n' "what" "seconds" "MB/s"
printf '%-44s %9s %9s\n' "dd bs=4M oflag=direct conv=fsync" "$t_dd" "$(mbs "$t_dd")"
printf '%-44s %9s %9s\n' "fio write 1M QD8 direct (libaio)" "$t_fio" "$(mbs "$t_fio")"
printf '%-44s %9s %9s\n' "mediaforge write" "$t_mf" "$(mbs "$t_mf")"
printf '%-44s %9s %9s\n' "mediaforge write --sha256" "$t_mf_sha" "$(mbs "$t_mf_sha")"
printf '%-44s %9s %9s\n' "SHA-256 floor (openssl speed -evp sha256)" "$t_sha_floor" "$(mbs "$t_sha_floor")"
printf '%-44s %9s %9s\n' "mediaforge verify --image" "$t_verify" "$(mbs "$t_verify")"
printf '%-44s %9s %9s\n' "read image (cat)" "$t_read_img" "$(mbs "$t_read_img")"
printf '%-44s %9s %9s\n' "read device (dd iflag=direct)" "$t_read_dev" "$(mbs "$t_read_dev")"
printf '%-44s %9s %9s\n' "mediaforge write --verify" "$t_write_verify" "$(mbs "$t_write_verify")"
printf '%-44s %9s %9s\n' "mediaforge write, 4 targets at once" "$t_mf4" "$(mbs "$t_mf4")"
printf '%-44s %9s\n' "4 x dd in parallel (same 4 targets)" "$t_dd4"
printf '%-44s %9s\n' "throttled 200 MB/s: 1 target, 512 MiB" "$t_thr1"
printf '%-44s %9s\n' "throttled 200 MB/s: 4 targets, 512 MiB" "$t_thr4"
echo
echo "ratios (goal in brackets):"
echo "  write throughput vs dd:                $(ratio "$t_dd" "$t_mf")x   [>= 1.3]"
echo "  write throughput vs fio:               $(ratio "$t_fio" "$t_mf")x   [>= 0.9]"
echo "  --sha256 time vs SHA-256 floor:        $(ratio "$t_mf_sha" "$t_sha_floor")x   [<= 1.0]"
echo "  verify time vs read image + device:    $(ratio "$t_verify" "$(awk -v a="$t_read_img" -v b="$t_read_dev" 'BEGIN {print a + b}')")x   [<= 1.2]"
if [ "$t_thr1" != n/a ]; then
  echo "  4 independent targets vs 1 (throttled): $(ratio "$t_thr4" "$t_thr1")x   [<= 1.25]"
fi
echo "  4 targets on one shared disk vs 4 dd's: $(ratio "$t_mf4" "$t_dd4")x   (shared disk: $(ratio "$t_mf4" "$t_mf")x of 1 target)"
echo "  peak RSS writing 16 GiB sparse image:  $((rss_kb / 1024)) MiB   [<= 64]"
