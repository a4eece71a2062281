#!/bin/bash
# `mediaforge create` against `mediaforge iso` on the same ~2 GiB content tree (issue 10 bench:
# create may cost at most 1.1x iso). The boot image is a small directory (x64 EFI loader from
# shim + isolinux.bin) shared by both; create adds its configuration files, seals the variables
# (scrypt, ~0.1-1 s), makes a self-signed certificate and hashes every file for the manifest
# (a separate read pass: reported on its own as manifest_seconds).
# Both write to the same file system, warm page cache, best of RUNS.
#
# Usage: bench/compare-create.sh [path/to/mediaforge]
# Env:   TREE_MB (2048), FILES (2000), RUNS (3), KEEP=1
set -euo pipefail

MF=${1:-${MEDIAFORGE:-$(dirname "$0")/../build/tools/mediaforge}}
TREE_MB=${TREE_MB:-2048}
FILES=${FILES:-2000}
RUNS=${RUNS:-3}
LOADER=/usr/lib/shim/mmx64.efi
for tool in python3 bc; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
done
[ -f "$LOADER" ] || { echo "needs $LOADER (shim-signed)" >&2; exit 2; }
[ -x "$MF" ] || { echo "mediaforge not found at $MF (pass its path)" >&2; exit 2; }

WORK=$(mktemp -d /var/tmp/mf-bench-create.XXXXXX)
finish() { [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
trap finish EXIT

python3 - "$WORK/content" "$FILES" "$TREE_MB" <<'PY'
import os, random, sys
root, files, total_mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rng = random.Random(7)
sizes = [2 ** rng.uniform(12, 24) for _ in range(files)]
k = total_mb * 2**20 / sum(sizes)
pool = os.urandom(8 << 20)
for i, s in enumerate(sizes):
    d = os.path.join(root, f"dir{i // 100:03d}")
    os.makedirs(d, exist_ok=True)
    n = int(s * k)
    with open(os.path.join(d, f"file{i:05d}.bin"), "wb") as f:
        start = (i * 4099) % (len(pool) // 2)
        while n > 0:
            chunk = pool[start:start + min(n, len(pool) - start)]
            f.write(chunk)
            n -= len(chunk)
            start = 0
PY
mkdir -p "$WORK/boot/EFI/BOOT" "$WORK/boot/isolinux"
cp "$LOADER" "$WORK/boot/EFI/BOOT/BOOTX64.EFI"
head -c 32768 /dev/urandom > "$WORK/boot/isolinux/isolinux.bin"
# `iso` gets the same tree create assembles: the boot image with the content under content/.
mkdir -p "$WORK/isotree"
cp -a "$WORK/boot/." "$WORK/isotree/"
ln -s "$WORK/content" "$WORK/isotree/content.link"
cp -al "$WORK/content" "$WORK/isotree/content"
rm "$WORK/isotree/content.link"
export MF_BENCH_PASSWORD=bench-password
cat > "$WORK/spec.json" <<JSON
{"type": "bootable", "management_points": ["http://mp.example"],
 "output": {"kind": "iso", "path": "$WORK/create.iso", "hybrid": true},
 "password": {"env": "MF_BENCH_PASSWORD"},
 "certificate": {"self_signed": {"valid_from": "2026-01-01", "valid_to": "2027-01-01"}},
 "boot_image": {"path": "$WORK/boot"}, "variables": {"A": "1"}, "content": ["$WORK/content"]}
JSON
cat "$WORK/content"/*/* > /dev/null  # warm the page cache for both

best() { sort -n | head -1; }
iso_times=() create_times=() manifest_times=()
for run in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  "$MF" iso "$WORK/isotree" -o "$WORK/iso.iso" --bios-boot isolinux/isolinux.bin \
    --boot-info-table --efi-dir EFI --hybrid --no-progress >/dev/null 2>&1
  e=$(date +%s.%N); iso_times+=("$(echo "$e - $s" | bc)")
  s=$(date +%s.%N)
  out=$("$MF" create "$WORK/spec.json" --json --no-progress 2>/dev/null)
  e=$(date +%s.%N); create_times+=("$(echo "$e - $s" | bc)")
  manifest_times+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["manifest_seconds"])' "$out")")
  rm -f "$WORK/iso.iso" "$WORK/create.iso"
done
iso=$(printf '%s\n' "${iso_times[@]}" | best)
create=$(printf '%s\n' "${create_times[@]}" | best)
manifest=$(printf '%s\n' "${manifest_times[@]}" | best)
echo "content: $(du -sm "$WORK/content" | cut -f1) MiB in $FILES files; runs: $RUNS (best of)"
echo "mediaforge iso:    ${iso} s   (all: ${iso_times[*]})"
echo "mediaforge create: ${create} s   (all: ${create_times[*]})"
echo "  of which manifest hashing: ${manifest} s   (all: ${manifest_times[*]})"
echo "ratio create/iso: $(echo "scale=3; $create / $iso" | bc)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
