// The boot image of the media: a directory, or an .iso whose files are extracted to the staging
// area and whose El Torito BIOS and UEFI entries are carried over. When the spec leaves them
// out, the BIOS loader (isolinux.bin, GRUB's eltorito.img, etfsboot.com) and the EFI side (an
// EFI directory holding \EFI\BOOT\BOOT*.EFI, else a known FAT image such as efisys.bin) are
// found by name. The default EFI loader's bytes are kept for the architecture check.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/media/spec.h"

namespace mediaforge::media {

struct BootImage {
  std::string dir;                       // the files that go onto the media's root
  std::string id;                        // directory name or ISO volume id
  std::optional<std::string> bios_boot;  // relative to dir
  bool boot_info_table = false;
  std::optional<std::string> efi_boot;  // a FAT image file, relative to dir
  std::optional<std::string> efi_dir;   // a directory built into the FAT image, relative to dir
  std::string efi_loader_name;          // "EFI/BOOT/BOOTX64.EFI" (inside efi_boot's image too)
  std::vector<std::byte> efi_loader;    // its bytes (empty: no UEFI loader found)
};

// `staging_dir` is an existing directory the caller removes afterwards.
absl::StatusOr<BootImage> ResolveBootImage(const BootImageSpec& spec,
                                           const std::string& staging_dir);

// The architecture of the boot image: from the EFI loader's PE/COFF machine type, else the
// spec's boot_image.architecture; an error when neither is known or they disagree.
absl::StatusOr<Architecture> BootImageArchitecture(const BootImage& image,
                                                   const BootImageSpec& spec);

// An x64 target boots x86 or x64 images, an x86 target only x86, arm64 only arm64.
absl::Status CheckArchitecture(Architecture boot_image, Architecture target);

}  // namespace mediaforge::media
