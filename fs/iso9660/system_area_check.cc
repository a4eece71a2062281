// Hybrid system area consistency: MBR partitions inside the image and the EFI partition on the
// El Torito EFI image; the GPT through device/gpt_check.h (both copies), plus its EFI System
// partition on the El Torito EFI image.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "device/gpt_check.h"
#include "fs/iso9660/hybrid.h"
#include "fs/iso9660/reader_internal.h"

namespace mediaforge::iso9660::internal {
namespace {

constexpr uint32_t kSector = 512;

bool StartsAtEfiImage(uint64_t first_sector, const std::vector<ElToritoBootEntry>& boot) {
  for (const ElToritoBootEntry& e : boot) {
    if (e.platform_id == kPlatformEfi && uint64_t{e.load_lba} * 4 == first_sector) return true;
  }
  return false;
}

// The GPT's EFI System partition must be the El Torito EFI image, as the MBR's 0xEF one.
void CheckEspAtEfiImage(const device::GptCopy& gpt, const std::vector<ElToritoBootEntry>& boot,
                        std::vector<Problem>& problems) {
  if (boot.empty()) return;
  for (const device::GptEntryAt& e : device::UsedGptEntries(gpt, kSector)) {
    if (std::memcmp(e.entry.partition_type_guid, kEfiSystemPartitionTypeGuid, 16) == 0 &&
        !StartsAtEfiImage(e.entry.starting_lba.Get(), boot)) {
      problems.push_back({absl::StrCat("GPT partition ", e.number), e.offset + 32,
                          "EFI System partition does not start at the El Torito EFI image"});
    }
  }
}

}  // namespace

void CheckSystemArea(ImageReader& reader, uint32_t volume_blocks,
                     const std::vector<ElToritoBootEntry>& boot, std::vector<Problem>& problems) {
  auto mbr = ReadStruct<MasterBootRecord>(reader, 0);
  if (!mbr || mbr->signature[0] != 0x55 || mbr->signature[1] != 0xAA) return;  // not hybrid
  const uint64_t image_sectors = reader.size() / kSector;
  for (int i = 0; i < 4; ++i) {
    const MbrPartitionEntry& p = mbr->partitions[i];
    uint64_t first = p.first_lba.Get(), count = p.sector_count.Get();
    if (count == 0 && p.type == 0) continue;
    uint64_t at = 446 + 16 * i;
    std::string where = absl::StrCat("MBR partition ", i + 1);
    if (p.status != 0 && p.status != 0x80) {
      problems.push_back({where, at, absl::StrCat("status ", Hex(p.status))});
    }
    if (first + count > image_sectors) {
      problems.push_back({where, at + 8,
                          absl::StrCat("sectors ", first, "-", first + count - 1,
                                       " reach past the image (", image_sectors, " sectors)")});
    }
    if (p.type == 0xEF && !boot.empty() && !StartsAtEfiImage(first, boot)) {
      problems.push_back(
          {where, at + 8, "EFI partition does not start at the El Torito EFI image"});
    }
  }
  // The GPT (UEFI 2.x 5.3), both copies, by the one GPT checker.
  device::GptCheck gpt = device::CheckGpt(reader.target(), reader.size(), kSector);
  problems.insert(problems.end(), gpt.problems.begin(), gpt.problems.end());
  if (gpt.primary) CheckEspAtEfiImage(*gpt.primary, boot, problems);
}

}  // namespace mediaforge::iso9660::internal
