#!/usr/bin/env bash
# Seeds for udf_reader_fuzzer in OUT_DIR: the committed mkudffs image (fuzz/corpus/udf_reader_fuzzer/) and
# genisoimage -udf bridge images of a small tree (files, a deep directory, Unicode names, an
# empty file), made here as they are larger than is worth committing.
# Usage: fuzz/udf_seeds.sh OUT_DIR      Needs: genisoimage
set -euo pipefail
OUT=${1:?usage: udf_seeds.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
cp "$HERE"/corpus/udf_reader_fuzzer/* "$OUT"/
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/t/sources" "$WORK/t/efi/boot" "$WORK/t/a/b/c/d/e/f/g/h"
printf 'wim' >"$WORK/t/sources/install.wim"
printf 'efi' >"$WORK/t/efi/boot/bootx64.efi"
printf 'leaf' >"$WORK/t/a/b/c/d/e/f/g/h/leaf.txt"
printf 'named' >"$WORK/t/Ünïcødé-日本語.txt"
: >"$WORK/t/empty"
genisoimage -quiet -udf -R -D -o "$OUT/bridge.iso" "$WORK/t"
genisoimage -quiet -udf -J -o "$OUT/bridge-joliet.iso" "$WORK/t/sources"
echo "seeds in $OUT: $(ls "$OUT" | tr '\n' ' ')"
