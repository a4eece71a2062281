#!/usr/bin/env bash
# Usage: scripts/golden.sh PATH/TO/mediaforge  -> prints OK or the differing hashes.
# Builds ISO / FAT image / USB images from samples/tree with --date and compares against the
# hashes recorded before issue 9 started (baseline commit 8000ed1).
set -u
B=$1; T=$(mktemp -d); D=1700000000; S="$(cd "$(dirname "$0")/.." && pwd)/samples/tree"
$B iso $S -o $T/a.iso --date $D --hybrid >/dev/null 2>&1
$B format $T/fat.img --size 64M --from $S --date $D --yes >/dev/null 2>&1
$B usb $S $T/usb.img --size 128M --date $D --yes >/dev/null 2>&1
$B usb $S $T/usbgpt.img --scheme gpt --size 128M --date $D --yes >/dev/null 2>&1
cat > $T/want <<W
8ae3a40534650fee8274da3b2da1280d30df471e932b0e57640a79d82abe70d2  a.iso
6e80f11e70c44d6060f75f9bf2fe680608364cfb713361b739ba543240533e29  fat.img
91062cfc4624ed72e0a62a9feae0687f2d891b7393a6a67adb41f4a7e8077ecd  usb.img
93be9196aef59d5846c4d68d21c9f49d95056c1558b8ebb9fbb5edf25cb055a7  usbgpt.img
W
(cd $T && sha256sum -c want) && echo GOLDEN OK || echo GOLDEN DIFFER
rm -rf $T
