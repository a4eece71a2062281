// Hybrid ISO system area: an MBR (and, when there is an EFI image, a GPT with its backup at the
// end of the image) so the same file written raw to a USB stick boots BIOS and UEFI.
//  - MBR entry 1 covers the whole image from sector 0 (active; type 0x17, or 0x00 when an ESP
//    entry follows, which EDK2 then skips), entry 2 (type 0xEF) covers the EFI image.
//  - GPT (UEFI 2.x 5.3, 512-byte LBAs = ISO block * 4): one EFI System partition over the EFI
//    image; header at LBA 1, 128 entries at LBA 2-33, backup entries and header in the last 33
//    sectors; the image is padded to a whole MiB.
//  - BIOS boot code from a template: isolinux's isohdpfx.bin patched as isohybrid does (64-bit
//    LE El Torito image sector = LBA * 4 at byte 432), or GRUB's boot_hybrid.img patched as
//    xorriso --grub2-mbr does (LBA * 4 + 4, skipping cdboot.img, at byte 432 = 0x1b0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mediaforge::iso9660 {

enum class MbrTemplateKind { kNone, kIsohybrid, kGrub2 };

inline constexpr uint64_t kSector = 512;
inline constexpr uint32_t kGptEntryCount = 128;
inline constexpr uint32_t kGptEntriesSectors = kGptEntryCount * 128 / kSector;  // 32
inline constexpr uint64_t kHybridAlignment = 1ull << 20;

struct HybridSpec {
  uint64_t image_bytes = 0;  // final size (from HybridImageSize)
  MbrTemplateKind template_kind = MbrTemplateKind::kNone;
  std::vector<std::byte> mbr_template;  // at least 432 bytes when a kind is set
  uint32_t bios_boot_lba = 0;           // El Torito BIOS image block (for the template patch)
  std::optional<uint32_t> efi_lba;      // EFI image block
  uint64_t efi_bytes = 0;
  std::string guid_seed;  // GUIDs and the disk signature are derived from it (reproducible)
};

struct HybridTables {
  std::vector<std::byte> head;  // from byte 0: MBR, GPT header, entries (34 sectors or 1)
  std::vector<std::byte> tail;  // backup GPT: the last 33 sectors (empty without GPT)
  uint64_t tail_offset = 0;
};

// Size of the hybrid image holding `data_bytes`: room for the backup GPT, padded to 1 MiB.
uint64_t HybridImageSize(uint64_t data_bytes, bool with_gpt);

absl::StatusOr<HybridTables> BuildHybridTables(const HybridSpec& spec);

// Reads an MBR template file (isohdpfx.bin / boot_hybrid.img): 432 to 32768 bytes.
absl::StatusOr<std::vector<std::byte>> ReadMbrTemplate(const std::string& path);

// A GUID (RFC 4122 version 4 layout, mixed-endian as GPT stores it) derived from `seed`.
void DeriveGuid(const std::string& seed, uint8_t out[16]);

}  // namespace mediaforge::iso9660
