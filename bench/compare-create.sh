#!/bin/bash
# `mediaforge create` against `mediaforge iso` (and `mediaforge usb`) on the same content tree
# (issue 10 bench: create may cost at most 1.1x iso). The boot image is a small directory (x64
# EFI loader from shim + a stand-in isolinux.bin) shared by both; create adds its
# configuration files, seals the variables (scrypt), makes a self-signed certificate and takes
# the SHA-256 manifest from the data while it streams (fs/media/streamed_manifest.h).
# Paired and alternating (odd runs: the plain command first; even runs: create first), each
# measurement on a cold cache (sync; echo 3 > /proc/sys/vm/drop_caches, needs root), medians
# over RUNS pairs; the load average is printed with every measurement (a shared machine).
#
# Usage: bench/compare-create.sh [path/to/mediaforge]
# Env:   TREE_MB (2048), FILES (2000), RUNS (5), OUTPUTS ("iso usb"), KEEP=1,
#        WORK_PARENT (/var/tmp; /dev/shm takes the disk out: CPU cost only, the cache moot)
set -euo pipefail

MF=${1:-${MEDIAFORGE:-$(dirname "$0")/../build/tools/mediaforge}}
TREE_MB=${TREE_MB:-2048}
FILES=${FILES:-2000}
RUNS=${RUNS:-5}
OUTPUTS=${OUTPUTS:-iso usb}
LOADER=/usr/lib/shim/mmx64.efi
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 2; }
[ -f "$LOADER" ] || { echo "needs $LOADER (shim-signed)" >&2; exit 2; }
[ -x "$MF" ] || { echo "mediaforge not found at $MF (pass its path)" >&2; exit 2; }
[ -w /proc/sys/vm/drop_caches ] || { echo "needs root (drop_caches)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (package time)" >&2; exit 2; }

WORK=$(mktemp -d "${WORK_PARENT:-/var/tmp}/mf-bench-create.XXXXXX")
finish() { [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
trap finish EXIT

python3 "$(dirname "$0")/gen_tree.py" "$WORK/content" "$FILES" "$TREE_MB" >&2
mkdir -p "$WORK/boot/EFI/BOOT" "$WORK/boot/isolinux"
cp "$LOADER" "$WORK/boot/EFI/BOOT/BOOTX64.EFI"
head -c 32768 /dev/urandom > "$WORK/boot/isolinux/isolinux.bin"
# `iso`/`usb` get the tree create assembles: the boot image with the content under content/.
mkdir -p "$WORK/plain"
cp -a "$WORK/boot/." "$WORK/plain/"
cp -al "$WORK/content" "$WORK/plain/content"
export MF_BENCH_PASSWORD=bench-password
USB_MB=$((TREE_MB + TREE_MB / 8 + 64))
spec() {  # spec OUTPUT-OBJECT
  cat <<JSON
{"type": "bootable", "management_points": ["http://mp.example"], "output": $1,
 "password": {"env": "MF_BENCH_PASSWORD"},
 "certificate": {"self_signed": {"valid_from": "2026-01-01", "valid_to": "2027-01-01"}},
 "boot_image": {"path": "$WORK/boot"}, "variables": {"A": "1"}, "content": ["$WORK/content"]}
JSON
}
spec "{\"kind\": \"iso\", \"path\": \"$WORK/out/create.iso\", \"hybrid\": true}" > "$WORK/iso.json"
spec "{\"kind\": \"usb\", \"target\": \"$WORK/out/create.img\", \"size\": \"${USB_MB}M\"}" \
  > "$WORK/usb.json"
mkdir -p "$WORK/out"

cold() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# timed NAME CMD...: one cold-cache measurement: wall seconds to $WORK/NAME.times, CPU seconds
# (user + system, less sensitive to the other sessions' load) to $WORK/NAME.cpu
timed() {
  local name=$1; shift
  rm -f "$WORK"/out/*; cold
  /usr/bin/time -f "%e %U %S" -o "$WORK/last.time" "$@" >/dev/null 2>"$WORK/last.err" ||
    { cat "$WORK/last.err" >&2; exit 1; }
  read -r wall user sys < "$WORK/last.time"
  echo "$wall" >> "$WORK/$name.times"
  python3 -c "print(f'{$user + $sys:.2f}')" >> "$WORK/$name.cpu"
  echo "  $name $wall s, cpu $(tail -1 "$WORK/$name.cpu") s (load $(cut -d' ' -f1 /proc/loadavg))" >&2
}
plain_iso=("$MF" iso "$WORK/plain" -o "$WORK/out/iso.iso" --bios-boot isolinux/isolinux.bin
  --boot-info-table --efi-dir EFI --hybrid --no-progress)
plain_usb=("$MF" usb "$WORK/plain" "$WORK/out/usb.img" --size "${USB_MB}M" --no-progress)
create_iso=("$MF" create "$WORK/iso.json" --no-progress --log "$WORK/create.log")
create_usb=("$MF" create "$WORK/usb.json" --no-progress --log "$WORK/create.log")

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq "$RUNS"); do
  for out in $OUTPUTS; do
    echo "run $run ($out)" >&2
    declare -n plain="plain_$out" made="create_$out"
    if [ $((run % 2)) = 1 ]; then
      timed "plain-$out" "${plain[@]}"; timed "create-$out" "${made[@]}"
    else
      timed "create-$out" "${made[@]}"; timed "plain-$out" "${plain[@]}"
    fi
    unset -n plain made
  done
done
median() { sort -n "$WORK/$1" | python3 -c 'import sys; v=[float(x) for x in sys.stdin]; print(f"{sorted(v)[len(v)//2]:.2f}")'; }
echo "content: $(du -sm "$WORK/content" | cut -f1) MiB in $FILES files; $RUNS alternating pairs, cold cache, medians"
for out in $OUTPUTS; do
  p=$(median "plain-$out.times"); c=$(median "create-$out.times")
  pc=$(median "plain-$out.cpu"); cc=$(median "create-$out.cpu")
  echo "mediaforge $out:    $p s wall, $pc s cpu   (all wall: $(tr '\n' ' ' < "$WORK/plain-$out.times"))"
  echo "mediaforge create ($out): $c s wall, $cc s cpu   (all wall: $(tr '\n' ' ' < "$WORK/create-$out.times"))"
  echo "ratio create/$out: wall $(python3 -c "print(f'{$c / $p:.3f}')"), cpu $(python3 -c "print(f'{$cc / $pc:.3f}')")"
  # Each pair ran back to back: the median of the pairs' own ratios follows the disk's slow
  # drift (burst credits, other tenants) less than the ratio of the two medians does.
  paste "$WORK/create-$out.times" "$WORK/plain-$out.times" | python3 -c '
import sys
r = sorted(float(c) / float(p) for c, p in (l.split() for l in sys.stdin))
print(f"paired ratios create/'"$out"': median {r[len(r) // 2]:.3f} (min {r[0]:.3f}, max {r[-1]:.3f}; "
      f"{sum(x <= 1.1 for x in r)} of {len(r)} pairs at most 1.1)")'

done
echo "load average: before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
