#include "tools/structural_check.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/gpt_check.h"
#include "device/partition_table.h"
#include "fs/fat32/fat32.h"
#include "fs/iso9660/iso9660.h"

namespace mediaforge::cli {
namespace {

uint16_t Le16(const std::byte* p) {
  return static_cast<uint16_t>(std::to_integer<uint8_t>(p[0]) | std::to_integer<uint8_t>(p[1])
                                                                    << 8);
}

bool HasBootSignature(const std::vector<std::byte>& s) {
  return s.size() >= 512 && s[510] == std::byte{0x55} && s[511] == std::byte{0xAA};
}

// A FAT boot sector (fatgen103 "Boot Sector and BPB"): a jump, a power-of-two sector size and
// a non-zero cluster size; partition tables have none of these at those offsets.
bool LooksLikeFatBootSector(const std::byte* s) {
  uint8_t jump = std::to_integer<uint8_t>(s[0]);
  uint16_t bps = Le16(s + 11);
  uint8_t spc = std::to_integer<uint8_t>(s[13]);
  return (jump == 0xEB || jump == 0xE9) &&
         (bps == 512 || bps == 1024 || bps == 2048 || bps == 4096) && spc != 0 &&
         (spc & (spc - 1)) == 0;
}

// What the MBR's code area holds, in words a user understands.
std::string DescribeMbrCode(const std::vector<std::byte>& mbr) {
  bool zero = true;
  for (size_t i = 0; i < 440; ++i) zero = zero && mbr[i] == std::byte{0};
  if (zero) return "MBR boot code: none (BIOS will not boot this disk)";
  std::string code(reinterpret_cast<const char*>(mbr.data()), 440);
  if (code.find("mediaforge for UEFI boot only") != std::string::npos) {
    return "MBR boot code: mediaforge's UEFI-only notice (not BIOS-bootable)";
  }
  if (code.find("Missing OS") != std::string::npos ||
      code.find("Boot error") != std::string::npos) {
    return "MBR boot code: present (syslinux-style chain loader)";
  }
  return "MBR boot code: present";
}

void CheckFat(device::Target& target, uint64_t offset, const std::string& where,
              StructureReport& r) {
  auto problems = fat32::CheckFatVolume(target, offset);
  if (!problems.ok()) {
    r.problems.push_back({where, offset, std::string(problems.status().message())});
    return;
  }
  auto vol = fat32::OpenFatVolume(target, offset);
  if (vol.ok()) {
    r.found.push_back(
        absl::StrCat(where, ": FAT volume at byte ", offset,
                     (*vol)->label().empty() ? "" : absl::StrCat(" \"", (*vol)->label(), "\"")));
  } else {
    r.found.push_back(absl::StrCat(where, ": FAT volume at byte ", offset));
  }
  for (const auto& p : *problems) {
    r.problems.push_back({absl::StrCat(where, ": ", p.where), p.offset, p.what});
  }
}

}  // namespace

absl::StatusOr<StructureReport> CheckStructure(device::Target& target) {
  StructureReport r;
  const uint64_t size = target.size();
  std::vector<std::byte> head(static_cast<size_t>(std::min<uint64_t>(64 * 1024, size)));
  if (auto s = device::ReadFully(target, head, 0); !s.ok()) return s;
  if (head.size() < 512) {
    r.problems.push_back({target.path(), 0, "too small to hold any media structure"});
    return r;
  }
  bool iso = head.size() >= 32774 && std::memcmp(head.data() + 32769, "CD001", 5) == 0;
  if (iso) {
    // ISO9660, Joliet, Rock Ridge, El Torito and the hybrid MBR/GPT, checked by the ISO reader.
    auto image = iso9660::OpenIso(target);
    if (image.ok()) {
      r.found.push_back(absl::StrFormat(
          "ISO9660 volume \"%s\" (%d blocks)%s%s, %d El Torito boot entr%s", image->volume_id,
          image->volume_space_blocks, image->has_joliet ? ", Joliet" : "",
          image->has_rock_ridge ? ", Rock Ridge" : "", image->boot_entries.size(),
          image->boot_entries.size() == 1 ? "y" : "ies"));
      for (const auto& b : image->boot_entries) {
        r.found.push_back(absl::StrFormat("El Torito %s entry: load LBA %d, %d sectors",
                                          b.platform_id == 0xEF ? "UEFI"
                                          : b.platform_id == 0  ? "BIOS"
                                                                : "other",
                                          b.load_lba, b.sector_count));
      }
    }
    for (const auto& p : iso9660::CheckIso(target)) {
      r.problems.push_back({absl::StrCat(target.path(), ": ", p.where), p.offset, p.what});
    }
  }
  if (!HasBootSignature(head)) {
    if (!iso)
      r.problems.push_back(
          {target.path(), 510, "no 0x55AA signature: no partition table or boot sector"});
    return r;
  }
  if (LooksLikeFatBootSector(head.data()) && !iso) {
    // A "superfloppy": one FAT volume over the whole device, no partition table.
    CheckFat(target, 0, target.path(), r);
    return r;
  }

  r.found.push_back(DescribeMbrCode(head));
  auto table = device::ReadPartitionTable(target.path());
  if (!table.ok()) return table.status();
  if (table->label.empty()) {
    if (!iso)
      r.problems.push_back({target.path(), 446, "boot signature present but no partition table"});
    return r;
  }
  r.found.push_back(absl::StrFormat("%s partition table (id %s) with %d partition(s)",
                                    table->label == "dos" ? "MBR" : "GPT", table->disk_id,
                                    table->partitions.size()));
  if (device::HasGpt(target, 512) || table->label == "gpt") {
    if (table->label != "gpt") r.found.push_back("GPT beside the MBR (hybrid layout)");
    for (const auto& p : device::CheckGpt(target, size, 512).problems) {
      r.problems.push_back({absl::StrCat(target.path(), ": ", p.where), p.offset, p.what});
    }
  }
  if (!iso) {
    for (const auto& p : table->problems) r.problems.push_back({target.path(), std::nullopt, p});
  }
  for (const auto& p : table->partitions) {
    std::string where = absl::StrCat(target.path(), " partition ", p.number);
    r.found.push_back(absl::StrFormat(
        "%s: byte %d, %d bytes, type %s%s%s", where, p.offset, p.bytes, p.type,
        p.type_name.empty() ? "" : " (" + p.type_name + ")", p.bootable ? ", active" : ""));
    if (p.offset + 512 > size) continue;
    std::vector<std::byte> first(512);
    if (!device::ReadFully(target, first, p.offset).ok()) {
      r.problems.push_back({where, p.offset, "first sector cannot be read"});
      continue;
    }
    if (LooksLikeFatBootSector(first.data())) CheckFat(target, p.offset, where, r);
  }
  return r;
}

}  // namespace mediaforge::cli
