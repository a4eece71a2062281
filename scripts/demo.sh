#!/usr/bin/env bash
# The main job on a fresh machine, no USB stick needed: installs what is missing, builds, then
#   1. builds boot loaders from Debian's GRUB packages (BIOS El Torito + hybrid MBR, UEFI),
#   2. makes a bootable hybrid ISO (BIOS + UEFI, CD and USB) from samples/tree,
#   3. makes a bootable USB stick image (MBR, FAT32) from the same tree,
#   4. verifies both (structure, and the stick against its plan),
#   5. boots both in QEMU under OVMF (UEFI) and SeaBIOS (BIOS) when QEMU is installed.
# Output: out/demo/media.iso and out/demo/stick.img.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/install-deps.sh
BUILD=${BUILD_DIR:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target mediaforge
MF="$ROOT/$BUILD/tools/mediaforge"

OUT=out/demo
rm -rf "$OUT"
mkdir -p "$OUT"
TREE=$OUT/tree
cp -r samples/tree "$TREE"
mkdir -p "$TREE/boot/grub" "$TREE/EFI/BOOT"

step() { printf '\n== %s\n' "$*"; }

step "boot loaders from Debian's GRUB packages"
cat > "$OUT/grub.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
echo "mediaforge demo media: booted by GRUB (${grub_platform})"
echo "MEDIAFORGE-DEMO-BOOT-OK"
sleep 2
halt
CFG
GRUB_MODULES="normal configfile echo serial terminal halt sleep test iso9660 part_msdos part_gpt fat"
grub-mkimage -O i386-pc-eltorito -p /boot/grub -c "$OUT/grub.cfg" -o "$TREE/boot/grub/eltorito.img" \
  biosdisk $GRUB_MODULES
grub-mkstandalone -O x86_64-efi -o "$TREE/EFI/BOOT/BOOTX64.EFI" \
  --install-modules="$GRUB_MODULES" --modules="$GRUB_MODULES" --locales= --fonts= --themes= \
  "boot/grub/grub.cfg=$OUT/grub.cfg"
echo "BIOS: boot/grub/eltorito.img   UEFI: EFI/BOOT/BOOTX64.EFI"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}   # reproducible media
step "bootable hybrid ISO: $OUT/media.iso"
"$MF" iso "$TREE" -o "$OUT/media.iso" --label MEDIAFORGE_DEMO \
  --bios-boot boot/grub/eltorito.img --boot-info-table --efi-dir EFI \
  --hybrid --grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img

step "bootable USB stick image: $OUT/stick.img"
"$MF" usb "$TREE" "$OUT/stick.img" --label MFDEMO --verify

step "verify both"
"$MF" verify "$OUT/media.iso"
"$MF" verify "$OUT/stick.img"

if command -v qemu-system-x86_64 >/dev/null && [ -e /usr/share/ovmf/OVMF.fd ]; then
  boot() {  # boot NAME FIRMWARE-ARGS... -- DRIVE-ARGS...
    local name=$1; shift
    local log="$OUT/boot-$name.log"
    timeout 90 qemu-system-x86_64 -nographic -serial mon:stdio -no-reboot -net none -m 256 "$@" \
      </dev/null >"$log" 2>&1 || true
    if grep -q MEDIAFORGE-DEMO-BOOT-OK "$log"; then echo "  $name: booted"; else
      echo "  $name: NO BOOT (see $log)"; return 1; fi
  }
  step "boot in QEMU (TCG)"
  ok=0
  boot "uefi-iso-as-cdrom" -bios /usr/share/ovmf/OVMF.fd -drive file="$OUT/media.iso",media=cdrom,readonly=on -boot d || ok=1
  boot "uefi-iso-as-usb-disk" -bios /usr/share/ovmf/OVMF.fd -drive file="$OUT/media.iso",format=raw,snapshot=on || ok=1
  boot "bios-iso-as-cdrom" -drive file="$OUT/media.iso",media=cdrom,readonly=on -boot d || ok=1
  boot "bios-iso-as-usb-disk" -drive file="$OUT/media.iso",format=raw,snapshot=on || ok=1
  boot "uefi-stick" -bios /usr/share/ovmf/OVMF.fd -drive file="$OUT/stick.img",format=raw,snapshot=on || ok=1
  [ $ok -eq 0 ] || { echo "some boots failed"; exit 1; }
else
  step "QEMU or OVMF not installed: boot check skipped"
fi

step "done"
cat <<MSG
  $OUT/media.iso   hybrid ISO: burn it, or write it raw to a stick (BIOS + UEFI)
  $OUT/stick.img   USB stick image (MBR, FAT32, UEFI boot)
To put one on a real stick:
  $MF list                                   # find the stick (removable disks only)
  sudo $MF write $OUT/media.iso /dev/sdX --verify
MSG
