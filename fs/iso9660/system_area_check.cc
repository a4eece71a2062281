// Hybrid system area consistency: MBR partitions inside the image and the EFI partition on the
// El Torito EFI image; GPT (UEFI 2.x 5.3) header and entry array CRCs, usable range, partitions
// inside it, and the backup header/array at the end matching the primary.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "fs/iso9660/hybrid.h"
#include "fs/iso9660/reader_internal.h"

namespace mediaforge::iso9660::internal {
namespace {

constexpr uint64_t kSector = 512;
constexpr uint64_t kMaxEntryArray = 1 << 20;

bool StartsAtEfiImage(uint64_t first_sector, const std::vector<ElToritoBootEntry>& boot) {
  for (const ElToritoBootEntry& e : boot) {
    if (e.platform_id == kPlatformEfi && uint64_t{e.load_lba} * 4 == first_sector) return true;
  }
  return false;
}

struct GptRead {
  GptHeader header;
  std::vector<std::byte> entries;
  bool ok = false;
};

GptRead ReadGpt(ImageReader& reader, uint64_t lba, uint64_t image_sectors, const std::string& where,
                std::vector<Problem>& problems) {
  GptRead g;
  uint64_t at = lba * kSector;
  std::byte sector[kSector];
  if (!reader.Read(at, sector).ok()) {
    problems.push_back({where, at, "cannot be read (beyond the image)"});
    return g;
  }
  std::memcpy(&g.header, sector, sizeof g.header);
  const GptHeader& h = g.header;
  if (std::memcmp(h.signature, "EFI PART", 8) != 0) {
    problems.push_back({where, at, "no \"EFI PART\" signature"});
    return g;
  }
  uint64_t header_size = h.header_size.Get();
  if (header_size < sizeof(GptHeader) || header_size > kSector) {
    problems.push_back({where, at + 12, absl::StrCat("header size ", header_size)});
    return g;
  }
  std::byte copy[kSector];
  std::memcpy(copy, sector, kSector);
  std::memset(copy + 16, 0, 4);
  if (GptCrc32(copy, header_size) != h.header_crc32.Get()) {
    problems.push_back({where, at + 16, "header CRC32 does not match"});
  }
  if (h.my_lba.Get() != lba) {
    problems.push_back(
        {where, at + 24, absl::StrCat("says it is at LBA ", h.my_lba.Get(), ", found at ", lba)});
  }
  if (h.first_usable_lba.Get() > h.last_usable_lba.Get() ||
      h.last_usable_lba.Get() >= image_sectors) {
    problems.push_back(
        {where, at + 40,
         absl::StrCat("usable LBAs ", h.first_usable_lba.Get(), "-", h.last_usable_lba.Get(),
                      " do not fit the image (", image_sectors, " sectors)")});
  }
  uint64_t count = h.number_of_partition_entries.Get(), size = h.size_of_partition_entry.Get();
  if (size < sizeof(GptPartitionEntry) || size % 8 != 0 || count * size > kMaxEntryArray) {
    problems.push_back({where, at + 80, absl::StrCat(count, " entries of ", size, " bytes")});
    return g;
  }
  auto entries = reader.ReadRange(h.partition_entry_lba.Get() * kSector, count * size);
  if (!entries.ok()) {
    problems.push_back(
        {where, at + 72, absl::StrCat("partition entry array: ", entries.status().message())});
    return g;
  }
  if (GptCrc32(entries->data(), entries->size()) != h.partition_entry_array_crc32.Get()) {
    problems.push_back({where, at + 88, "partition entry array CRC32 does not match"});
  }
  g.entries = std::move(*entries);
  g.ok = true;
  return g;
}

void CheckGptEntries(const GptRead& g, const std::vector<ElToritoBootEntry>& boot,
                     std::vector<Problem>& problems) {
  const GptHeader& h = g.header;
  uint64_t size = h.size_of_partition_entry.Get();
  uint64_t base = h.partition_entry_lba.Get() * kSector;
  static constexpr uint8_t kZero[16] = {};
  for (uint64_t i = 0; i * size + sizeof(GptPartitionEntry) <= g.entries.size(); ++i) {
    GptPartitionEntry e;
    std::memcpy(&e, g.entries.data() + i * size, sizeof e);
    if (std::memcmp(e.type_guid, kZero, 16) == 0) continue;
    std::string where = absl::StrCat("GPT partition ", i + 1);
    uint64_t first = e.first_lba.Get(), last = e.last_lba.Get();
    if (first > last || first < h.first_usable_lba.Get() || last > h.last_usable_lba.Get()) {
      problems.push_back({where, base + i * size + 32,
                          absl::StrCat("LBAs ", first, "-", last, " are outside the usable ",
                                       h.first_usable_lba.Get(), "-", h.last_usable_lba.Get())});
    }
    if (std::memcmp(e.type_guid, kEfiSystemPartitionTypeGuid, 16) == 0 && !boot.empty() &&
        !StartsAtEfiImage(first, boot)) {
      problems.push_back({where, base + i * size + 32,
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
  std::byte sig[8];
  if (!reader.Read(kSector, sig).ok() || std::memcmp(sig, "EFI PART", 8) != 0) return;
  GptRead primary = ReadGpt(reader, 1, image_sectors, "GPT header", problems);
  if (!primary.ok) return;
  CheckGptEntries(primary, boot, problems);
  uint64_t backup_lba = primary.header.alternate_lba.Get();
  if (backup_lba >= image_sectors || backup_lba <= 1) {
    problems.push_back({"GPT header", kSector + 32,
                        absl::StrCat("backup header LBA ", backup_lba, " is not inside the image (",
                                     image_sectors, " sectors)")});
    return;
  }
  GptRead backup = ReadGpt(reader, backup_lba, image_sectors, "backup GPT header", problems);
  if (!backup.ok) return;
  if (backup.header.alternate_lba.Get() != 1) {
    problems.push_back(
        {"backup GPT header", backup_lba * kSector + 32, "does not point back at LBA 1"});
  }
  if (backup.entries != primary.entries) {
    problems.push_back({"backup GPT partition entries",
                        backup.header.partition_entry_lba.Get() * kSector,
                        "differ from the primary entries"});
  }
}

}  // namespace mediaforge::iso9660::internal
