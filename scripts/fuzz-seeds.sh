#!/usr/bin/env bash
# Makes the binary seed corpora of the fuzz targets (fuzz/) with mediaforge's own writers, so no
# large binaries live in git: small FAT volumes, MBR and GPT sticks, ISOs with Joliet, Rock Ridge,
# El Torito and hybrid tables, `create` media with a sealed configuration, compressed images and
# a bmap. Text seeds (specs, bmaps) are in fuzz/corpus/. Idempotent: OUT_DIR is made afresh.
# Usage: scripts/fuzz-seeds.sh MEDIAFORGE_BINARY OUT_DIR
set -euo pipefail
mf=$(realpath "$1")
out=$2
rm -rf "$out"
mkdir -p "$out"
out=$(realpath "$out")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1764547200
targets=(iso_reader_fuzzer gpt_check_fuzzer pe_reader_fuzzer secure_boot_audit_fuzzer
  fat_volume_fuzzer media_inspect_fuzzer media_spec_fuzzer media_config_fuzzer
  media_reader_fuzzer bmap_fuzzer image_source_fuzzer udf_reader_fuzzer)
for t in "${targets[@]}"; do mkdir -p "$out/$t"; done

# A small tree: long and short names, nested directories, a symlink (Rock Ridge), an EFI loader.
efi=/usr/lib/shim/fbx64.efi.signed
tree=$work/tree
mkdir -p "$tree/EFI/BOOT" "$tree/deep/er/still/deeper" "$tree/isolinux"
printf 'hello\n' >"$tree/README.TXT"
printf 'long name\n' >"$tree/A file with a rather long name.text"
printf 'x%.0s' {1..3000} >"$tree/deep/er/still/deeper/three-thousand.bin"
head -c 4096 /dev/zero >"$tree/isolinux/isolinux.bin"
ln -s README.TXT "$tree/link-to-readme"
if [[ -f $efi ]]; then cp "$efi" "$tree/EFI/BOOT/BOOTX64.EFI"; fi
fat_tree=$work/fat-tree # FAT has no symlinks
cp -rL "$tree" "$fat_tree"

# FAT volumes (fat_volume_fuzzer, and the superfloppy path of media_inspect_fuzzer).
"$mf" format "$work/fat12.img" --size 1M --from "$fat_tree" --label SEED12 >/dev/null
"$mf" format "$work/fat12-empty.img" --size 256K --label EMPTY >/dev/null
"$mf" format "$work/fat16.img" --size 4M --fat 16 --from "$fat_tree" >/dev/null
cp "$work/fat12.img" "$work/fat12-empty.img" "$work/fat16.img" "$out/fat_volume_fuzzer/"
cp "$work/fat12.img" "$out/media_inspect_fuzzer/superfloppy.img"

# Sticks: MBR and GPT (media_inspect_fuzzer, gpt_check_fuzzer, secure_boot_audit_fuzzer). The
# partition starts at 1 MiB; the fuzzers see only the first MiBs, so the volume is cut short.
for scheme in mbr gpt; do
  "$mf" usb "$fat_tree" "$work/usb-$scheme.img" --scheme "$scheme" --size 40M --yes >/dev/null
  head -c 2M "$work/usb-$scheme.img" >"$out/media_inspect_fuzzer/usb-$scheme.img"
  head -c 4M "$work/usb-$scheme.img" >"$out/secure_boot_audit_fuzzer/usb-$scheme.img"
done
# gpt_check_fuzzer: the disk's first 64 KiB, then its last 64 KiB (the backup GPT).
{ head -c 65536 "$work/usb-gpt.img"; tail -c 65536 "$work/usb-gpt.img"; } \
  >"$out/gpt_check_fuzzer/usb-gpt.bin"
head -c 65536 "$work/usb-gpt.img" >"$out/gpt_check_fuzzer/usb-gpt-head.bin"
head -c 65536 "$work/usb-mbr.img" >"$out/gpt_check_fuzzer/usb-mbr-head.bin"

# ISOs (iso_reader_fuzzer, media_inspect_fuzzer, secure_boot_audit_fuzzer).
"$mf" iso "$tree" -o "$work/plain.iso" --label PLAIN >/dev/null
"$mf" iso "$tree" -o "$work/nojoliet.iso" --no-joliet --no-rock-ridge >/dev/null
"$mf" iso "$tree" -o "$work/boot.iso" --bios-boot isolinux/isolinux.bin --boot-info-table \
  --efi-dir EFI --hybrid >/dev/null
for iso in plain nojoliet boot; do
  cp "$work/$iso.iso" "$out/iso_reader_fuzzer/$iso.iso"
done
cp "$work/boot.iso" "$out/media_inspect_fuzzer/hybrid.iso"
cp "$work/boot.iso" "$out/secure_boot_audit_fuzzer/hybrid.iso"

# PE/COFF (pe_reader_fuzzer): the signed loader whole and cut short.
if [[ -f $efi ]]; then
  cp "$efi" "$out/pe_reader_fuzzer/fbx64.efi.signed"
  head -c 65536 "$efi" >"$out/pe_reader_fuzzer/fbx64-head.efi"
fi

# Media made by `create` (media_reader_fuzzer, media_config_fuzzer): sealed with "fuzz".
if [[ -f $efi ]]; then
  mkdir -p "$work/media/boot/EFI/BOOT"
  cp "$efi" "$work/media/boot/EFI/BOOT/BOOTX64.EFI"
  printf 'fuzz' >"$work/media/password.txt"
  cat >"$work/media/spec.json" <<'JSON'
{"type": "bootable", "output": {"kind": "iso", "path": "media.iso", "hybrid": false},
 "label": "FUZZ", "password": {"file": "password.txt"}, "boot_image": {"path": "boot"},
 "target_architecture": "x64", "management_points": ["http://mp.example"],
 "variables": {"A": "1", "S": "secret"}, "secret_variables": ["S"]}
JSON
  "$mf" create "$work/media/spec.json" --yes >/dev/null
  cp "$work/media/media.iso" "$out/media_reader_fuzzer/media.iso"
  # The configuration files themselves (sealed part, manifest), for the text parsers.
  if command -v xorriso >/dev/null; then
    xorriso -osirrox on -indev "$work/media/media.iso" -extract /mediaforge "$work/media/files" \
      >/dev/null 2>&1
    chmod -R u+w "$work/media/files"
    for f in "$work/media/files"/*; do
      if [[ -f $f && $(stat -c %s "$f") -lt 65536 ]]; then
        cp "$f" "$out/media_config_fuzzer/"
      fi
    done
  fi
fi

# Compressed images (image_source_fuzzer): the same small image raw, gzip, xz, zstd.
head -c 16384 "$work/fat12.img" >"$work/small.img"
cp "$work/small.img" "$out/image_source_fuzzer/raw.img"
gzip -9c "$work/small.img" >"$out/image_source_fuzzer/small.img.gz"
xz -c "$work/small.img" >"$out/image_source_fuzzer/small.img.xz"
zstd -q -c "$work/small.img" >"$out/image_source_fuzzer/small.img.zst"
# Multi-member gzip, a zstd frame without a content size (streamed), xz with two streams.
{ gzip -c "$work/small.img"; gzip -c "$work/small.img"; } >"$out/image_source_fuzzer/two.gz"
zstd -q -c <"$work/small.img" >"$out/image_source_fuzzer/stream.zst"
{ xz -c "$work/small.img"; xz -c "$work/small.img"; } >"$out/image_source_fuzzer/two.xz"

# A bmap of a sparse image (bmap_fuzzer).
truncate -s 1M "$work/sparse.img"
printf 'data' | dd of="$work/sparse.img" bs=4096 seek=3 conv=notrunc status=none
"$mf" bmap "$work/sparse.img" -o "$out/bmap_fuzzer/sparse.bmap" >/dev/null

# Specs (media_spec_fuzzer): the one used above.
if [[ -f $work/media/spec.json ]]; then cp "$work/media/spec.json" "$out/media_spec_fuzzer/"; fi
# UDF images (udf_reader_fuzzer): genisoimage -udf bridge images, where genisoimage exists.
if command -v genisoimage >/dev/null; then
  "$(dirname "$0")/../fuzz/udf_seeds.sh" "$out/udf_reader_fuzzer" >/dev/null
fi
echo "fuzz seeds in $out"
