// Boot payloads for ISO boot tests (QEMU itself: tests/support/qemu_boot.h). Unlike the generic
// payloads in tests/support/boot_payloads.h, these print their marker only after reading a config
// file from the ISO9660 file system, so a boot proves the firmware loaded the loader and the
// loader could read the image.
#pragma once

#include <filesystem>
#include <string>

namespace mediaforge::testing {

// The file the payloads' embedded configs search for and run; it echoes `marker` on serial.
inline constexpr char kIsoGrubConfig[] = "boot/grub/mftest.cfg";
void WriteIsoGrubConfig(const std::filesystem::path& tree, const std::string& marker);

// The config embedded in the GRUB images: run kIsoGrubConfig from the boot device (BIOS) or
// from the device holding it (UEFI, whose standalone image boots from its memdisk).
std::string BiosEmbeddedGrubConfig();

// GRUB x86_64-efi standalone image doing the same, placed as EFI/BOOT/BOOTX64.EFI under `tree`
// (for --efi-dir) and, when `fat_image` is not empty, also packed into a FAT image with mtools
// (for --efi-boot).
std::string BuildGrubEfiTree(const std::filesystem::path& efi_tree,
                             const std::filesystem::path& fat_image);

// isolinux in `tree`/isolinux (isolinux.bin, ldlinux.c32, isolinux.cfg saying `marker` on
// serial). Empty string = success.
std::string InstallIsolinux(const std::filesystem::path& tree, const std::string& marker);

}  // namespace mediaforge::testing
