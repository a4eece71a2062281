// El Torito 1.0: the boot catalog (validation entry, initial/default entry, section header and
// section entries for further platforms), the Boot Information Table isolinux and GRUB's
// cdboot.img expect patched into a no-emulation image, and GRUB2's own boot info patch.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace mediaforge::iso9660 {

struct BootImageSpec {
  uint8_t platform_id = 0;    // 0 x86 BIOS, 0xEF UEFI
  uint32_t load_lba = 0;      // 2048-byte block of the image
  uint16_t sector_count = 0;  // 512-byte sectors to load; 0 = firmware's choice / whole image
};

// One 2048-byte catalog block: the first image is the initial/default entry; a second image
// gets a final section header (0x91) with one section entry.
std::vector<std::byte> BuildBootCatalog(const std::vector<BootImageSpec>& images);

// El Torito sector count for a UEFI image of `bytes`: 512-byte sectors, or 0 when the count
// would not fit 16 bits (EDK2 then reads to the end of the medium).
uint16_t EfiSectorCount(uint64_t bytes);

// Boot Information Table (bytes 8-63): PVD LBA, image LBA, image length, checksum of the LE
// 32-bit words from byte 64 to the end. `name` is for messages.
absl::Status PatchBootInfoTable(std::vector<std::byte>& image, uint32_t pvd_lba, uint32_t image_lba,
                                const std::string& name);

// The boot information table checksum: 32-bit sum of the LE words from byte 64 to the end (a
// partial last word is zero-padded).
uint32_t BootInfoChecksum(std::span<const std::byte> image);

// GRUB2 (xorriso --grub2-boot-info): the i386-pc-eltorito image keeps the 512-byte sector of its
// second part (image LBA * 4 + 5) as a 64-bit LE value at byte 2548 (diskboot.img's block list),
// used when booting from a disk through boot_hybrid.img.
inline constexpr size_t kGrub2BootInfoOffset = 2548;
absl::Status PatchGrub2BootInfo(std::vector<std::byte>& image, uint32_t image_lba,
                                const std::string& name);

}  // namespace mediaforge::iso9660
