// Boot payloads for ISO boot tests (QEMU itself: tests/support/qemu_boot.h). Unlike the generic
// payloads in tests/support/boot_payloads.h, these print their marker only after reading a config
// file from the ISO9660 file system, so a boot proves the firmware loaded the loader and the
// loader could read the image.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/support/qemu_boot.h"
#include "tests/support/test_support.h"

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

// A suite whose media are built once (the derived SetUpTestSuite, in dir_) and booted by each
// test: skip_ says why a payload could not be built, build_error_ what mediaforge said.
class BootSuite : public ::testing::Test {
 protected:
  static void TearDownTestSuite();
  // The GRUB payloads running kIsoGrubConfig: the BIOS El Torito image at `eltorito` and the
  // UEFI loader under `efi_tree` (packed into `efi_image` too unless empty). False with skip_
  // set when they cannot be built.
  static bool BuildGrubPayloads(const std::filesystem::path& eltorito,
                                const std::filesystem::path& efi_tree,
                                const std::filesystem::path& efi_image);
  // Skips or fails as the setup left the suite (with no such firmware, skips), else boots
  // dir_/`image` with 512 MiB and expects `marker`.
  static void Boot(const std::string& image, const std::string& marker, Firmware firmware,
                   Media media);

  static TempDir* dir_;
  static std::string* skip_;
  static std::string* build_error_;
};

}  // namespace mediaforge::testing
