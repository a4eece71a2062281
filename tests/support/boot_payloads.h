// Boot payloads built at test time from the Debian GRUB packages, each printing a marker on the
// serial line (COM1) and powering off, so qemu_boot.h can tell that firmware ran them:
//   - UEFI: a standalone GRUB EFI application (BOOTX64.EFI) with its grub.cfg embedded;
//   - BIOS: GRUB i386-pc images: El Torito no-emulation (cdboot + core) for ISOs, and a plain
//     core.img for MBR/hybrid boot (with boot_hybrid.img / boot.img from the same directory).
// Every builder returns false with `why` set when the tools or modules are missing.
#pragma once

#include <filesystem>
#include <string>

namespace mediaforge::testing {

// A grub.cfg that prints `marker` on the serial line (and the console) and halts.
std::string MarkerGrubConfig(const std::string& marker);

// Why GRUB payloads for `platform` ("x86_64-efi", "i386-pc") cannot be built, or "" if they can.
std::string GrubUnavailable(const std::string& platform);

// Skips the test when GRUB payloads for `platform` cannot be built (GrubUnavailable).
#define MF_REQUIRE_GRUB(platform)                                                   \
  do {                                                                              \
    if (std::string mf_grub_why = ::mediaforge::testing::GrubUnavailable(platform); \
        !mf_grub_why.empty())                                                       \
      GTEST_SKIP() << mf_grub_why;                                                  \
  } while (0)

// grub-mkstandalone -O x86_64-efi with `grub_cfg` embedded as (memdisk)/boot/grub/grub.cfg.
bool BuildGrubEfiStandalone(const std::string& out_path, const std::string& grub_cfg,
                            std::string* why);

// The same as the UEFI default loader of a tree: `tree`/EFI/BOOT/BOOTX64.EFI (directories made).
bool BuildGrubEfiDefaultLoader(const std::filesystem::path& tree, const std::string& grub_cfg,
                               std::string* why);

// grub-mkimage -O i386-pc-eltorito: a no-emulation El Torito boot image (load it whole; no boot
// info table needed) that runs `grub_cfg` embedded in it. Modules cover ISO9660 and serial.
bool BuildGrubBiosEltorito(const std::string& out_path, const std::string& grub_cfg,
                           std::string* why);

// grub-mkimage -O i386-pc: core.img for MBR boot (boot.img / boot_hybrid.img load it), with
// `grub_cfg` embedded and modules for MBR/GPT partitions, ISO9660 and FAT.
bool BuildGrubBiosCore(const std::string& out_path, const std::string& grub_cfg, std::string* why);

// Directory of GRUB's i386-pc files (boot.img, boot_hybrid.img, cdboot.img), or "" if absent.
std::string GrubI386PcDir();

}  // namespace mediaforge::testing
