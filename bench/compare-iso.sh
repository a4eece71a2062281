#!/bin/bash
# ISO9660 side by side, in one run:
#  1. a ~2 GiB / ~20k-file tree with Joliet + Rock Ridge + El Torito BIOS (isolinux, boot info
#     table) and UEFI (efi.img) + hybrid MBR/GPT (isohdpfx.bin), built by
#       mediaforge iso TREE -o OUT ...          and
#       xorriso -as mkisofs -R -J ... TREE      (+ sync of its output: mediaforge fdatasyncs)
#     best of RUNS each, warm page cache for both; prints the ratio.
#  2. trees of 25k / 50k / 100k small files: mediaforge's time and peak RSS (/usr/bin/time -v),
#     to show linear growth and the memory bound.
# Every mediaforge image is checked by xorriso (-report_el_torito) outside the timing.
#
# Usage: bench/compare-iso.sh [path/to/mediaforge]
# Env:   TREE_MB (2048), FILES (20000), RUNS (3: best of, both parts), SCALE ("25000 50000
#        100000"), ONLY_SCALE=1 (skip part 1), KEEP=1
set -euo pipefail

MF=${1:-${MEDIAFORGE:-$(dirname "$0")/../build/tools/mediaforge}}
TREE_MB=${TREE_MB:-2048}
FILES=${FILES:-20000}
RUNS=${RUNS:-3}
SCALE=${SCALE:-"25000 50000 100000"}
ISOLINUX=/usr/lib/ISOLINUX/isolinux.bin
ISOHDPFX=/usr/lib/ISOLINUX/isohdpfx.bin
for tool in xorriso python3 bc /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
done
[ -f "$ISOLINUX" ] && [ -f "$ISOHDPFX" ] || { echo "needs the isolinux package" >&2; exit 2; }
[ -x "$MF" ] || { echo "mediaforge not found at $MF (pass its path)" >&2; exit 2; }

WORK=$(mktemp -d /var/tmp/mf-bench-iso.XXXXXX)
finish() { [ "${KEEP:-0}" = 1 ] && echo "kept $WORK" >&2 || rm -rf "$WORK"; }
trap finish EXIT

# make_tree DIR FILES TOTAL_MB: nested directories, mixed short/long names, log-uniform sizes.
make_tree() {
  python3 - "$@" <<'PY'
import os, random, sys
root, files, total_mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rng = random.Random(7)
sizes = [2 ** rng.uniform(5, 21) for _ in range(files)]
k = total_mb * 2**20 / sum(sizes)
pool = os.urandom(4 << 20)
for i, s in enumerate(sizes):
    d = os.path.join(root, f"dir {i // 200:04d}", f"sub-{i // 50 % 4}")
    os.makedirs(d, exist_ok=True)
    n = int(s * k)
    name = f"document number {i:06d} with a longer name.bin" if i % 2 else f"F{i:06d}.DAT"
    with open(os.path.join(d, name), "wb") as f:
        start = (i * 4099) % (len(pool) // 2)
        while n > 0:
            chunk = pool[start:start + min(n, len(pool) - start)]
            f.write(chunk)
            n -= len(chunk)
            start = 0
PY
}

# add_boot DIR: isolinux and a 4 MiB stand-in EFI image (content does not matter for timing).
add_boot() {
  mkdir -p "$1/isolinux"
  cp "$ISOLINUX" "$1/isolinux/isolinux.bin"
  head -c $((4 << 20)) /dev/zero > "$1/efi.img"
}

warm() { sync; find "$1" -type f -exec cat {} + > /dev/null; }

# seconds CMD: wall time of one run (after warming the tree cache)
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  bash -c "$1" > /dev/null 2> "$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

best_of() {
  local best="" t
  for _ in $(seq "$RUNS"); do
    warm "$2"
    t=$(seconds "$1")
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  printf '%.2f' "$best"
}

TREE=$WORK/tree
if [ "${ONLY_SCALE:-0}" != 1 ]; then
echo "generating $FILES files, ~$TREE_MB MiB" >&2
make_tree "$TREE" "$FILES" "$TREE_MB"
add_boot "$TREE"
BYTES=$(du -sb --apparent-size "$TREE" | cut -f1)
NFILES=$(find "$TREE" -type f | wc -l)

MF_CMD="rm -f $WORK/mf.iso; '$MF' iso '$TREE' -o $WORK/mf.iso --no-progress --label BENCH \
--bios-boot isolinux/isolinux.bin --boot-load-size 4 --boot-info-table --efi-boot efi.img \
--hybrid --isohybrid-mbr $ISOHDPFX"
XO_CMD="rm -f $WORK/xo.iso; xorriso -as mkisofs -quiet -R -J -V BENCH -o $WORK/xo.iso \
-b isolinux/isolinux.bin -no-emul-boot -boot-load-size 4 -boot-info-table \
-eltorito-alt-boot -e efi.img -no-emul-boot -isohybrid-mbr $ISOHDPFX -isohybrid-gpt-basdat \
'$TREE' && sync $WORK/xo.iso"
T_MF=$(best_of "$MF_CMD" "$TREE")
xorriso -indev "$WORK/mf.iso" -report_el_torito plain 2>/dev/null | grep -q "UEFI  y" \
  || { echo "xorriso does not see the UEFI entry in mediaforge's image" >&2; exit 1; }
T_XO=$(best_of "$XO_CMD" "$TREE")
MF_SIZE=$(stat -c %s "$WORK/mf.iso")
XO_SIZE=$(stat -c %s "$WORK/xo.iso")
rm -f "$WORK/mf.iso" "$WORK/xo.iso"
rm -rf "$TREE"

echo
echo "## 2 GiB tree: $NFILES files, $BYTES bytes; best of $RUNS; warm cache"
printf '%-58s %8s %14s\n' "command" "seconds" "image bytes"
printf '%-58s %8s %14s\n' "mediaforge iso (RR+Joliet+BIOS+UEFI+hybrid)" "$T_MF" "$MF_SIZE"
printf '%-58s %8s %14s\n' "xorriso -as mkisofs (same features) + sync" "$T_XO" "$XO_SIZE"
printf 'speed-up (xorriso / mediaforge): %.2fx (goal >= 2x)\n' "$(echo "$T_XO / $T_MF" | bc -l)"
printf 'throughput: mediaforge %.0f MB/s, xorriso %.0f MB/s\n' \
  "$(echo "$BYTES / $T_MF / 1000000" | bc -l)" "$(echo "$BYTES / $T_XO / 1000000" | bc -l)"
fi

echo
echo "## many small files (~2.5 KiB average): mediaforge time (best of $RUNS) and peak RSS"
printf '%-10s %10s %12s %14s\n' "files" "seconds" "peak RSS MiB" "us per file"
for n in $SCALE; do
  T=$WORK/small-$n
  make_tree "$T" "$n" "$(echo "$n * 2.5 / 1024" | bc -l)"
  add_boot "$T"
  BEST="" RSS=0
  for _ in $(seq "$RUNS"); do
    warm "$T"
    /usr/bin/time -v -o "$WORK/time-$n" "$MF" iso "$T" -o "$WORK/s.iso" --no-progress \
      --bios-boot isolinux/isolinux.bin --boot-info-table --efi-boot efi.img --hybrid \
      --isohybrid-mbr "$ISOHDPFX" > /dev/null 2>&1
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time-$n" |
      awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    R=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time-$n")
    if [ -z "$BEST" ] || (( $(echo "$WALL < $BEST" | bc -l) )); then BEST=$WALL; fi
    if [ "$R" -gt "$RSS" ]; then RSS=$R; fi
  done
  WALL=$BEST
  printf '%-10s %10.2f %12.1f %14.1f\n' "$n" "$WALL" "$(echo "$RSS / 1024" | bc -l)" \
    "$(echo "$WALL * 1000000 / $n" | bc -l)"
  rm -rf "$T" "$WORK/s.iso"
done
