#include "fs/inspect/media_inspect.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/gpt_check.h"
#include "device/partition_on_disk.h"
#include "fs/fat32/fat32.h"
#include "fs/iso9660/iso9660.h"

namespace mediaforge::inspect {
namespace {

constexpr uint64_t kHeadBytes = 64 * 1024;
constexpr uint64_t kIsoStandardIdentifierOffset = 16 * 2048 + 1;  // ECMA-119 8.4.2, block 16

// What the MBR's code area holds, in words a user understands.
std::string DescribeMbrCode(std::span<const std::byte> mbr) {
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

void CheckFat(InspectionContext& c, uint64_t offset, const std::string& where, MediaReport& r) {
  auto problems = fat32::CheckFatVolume(c.target, offset);
  if (!problems.ok()) {
    r.problems.push_back({where, offset, std::string(problems.status().message())});
    return;
  }
  c.fat_volumes.push_back({where, offset});
  auto vol = fat32::OpenFatVolume(c.target, offset);
  std::string label = vol.ok() && !(*vol)->label().empty()
                          ? absl::StrCat(" \"", (*vol)->label(), "\"")
                          : std::string();
  r.found.push_back(absl::StrCat(where, ": FAT volume at byte ", offset, label));
  for (const auto& p : *problems) {
    r.problems.push_back({absl::StrCat(where, ": ", p.where), p.offset, p.what});
  }
}

absl::Status CheckSize(InspectionContext& c, MediaReport& r) {
  if (c.head.size() < 512) {
    r.problems.push_back({c.target.path(), 0, "too small to hold any media structure"});
    c.layout_settled = true;
  }
  return absl::OkStatus();
}

// ISO9660, Joliet, Rock Ridge, El Torito and the hybrid MBR/GPT, by the ISO reader and checker.
absl::Status CheckIsoVolume(InspectionContext& c, MediaReport& r) {
  if (c.layout_settled) return absl::OkStatus();
  c.iso = c.head.size() >= kIsoStandardIdentifierOffset + 5 &&
          std::memcmp(c.head.data() + kIsoStandardIdentifierOffset, "CD001", 5) == 0;
  if (!c.iso) return absl::OkStatus();
  auto image = iso9660::OpenIso(c.target);
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
  for (const auto& p : iso9660::CheckIso(c.target)) {
    r.problems.push_back({absl::StrCat(c.target.path(), ": ", p.where), p.offset, p.what});
  }
  return absl::OkStatus();
}

absl::Status CheckBootSignature(InspectionContext& c, MediaReport& r) {
  if (c.layout_settled) return absl::OkStatus();
  if (device::HasBootSignature(c.head)) return absl::OkStatus();
  if (!c.iso) {
    r.problems.push_back({c.target.path(), device::kMbrSignatureOffset,
                          "no 0x55AA signature: no partition table or boot sector"});
  }
  c.layout_settled = true;
  return absl::OkStatus();
}

// A "superfloppy": one FAT volume over the whole device, no partition table.
absl::Status CheckSuperfloppy(InspectionContext& c, MediaReport& r) {
  if (c.layout_settled || c.iso || !fat32::LooksLikeFatBootSector(c.head)) {
    return absl::OkStatus();
  }
  CheckFat(c, 0, c.target.path(), r);
  c.layout_settled = true;
  return absl::OkStatus();
}

absl::Status CheckPartitionTable(InspectionContext& c, MediaReport& r) {
  if (c.layout_settled) return absl::OkStatus();
  const std::string& path = c.target.path();
  r.found.push_back(DescribeMbrCode(c.head));
  auto table = device::ReadPartitionTable(path);
  if (!table.ok()) return table.status();
  if (table->label.empty()) {
    if (!c.iso) {
      r.problems.push_back({path, device::kMbrPartitionTableOffset,
                            "boot signature present but no partition table"});
    }
    c.layout_settled = true;
    return absl::OkStatus();
  }
  r.found.push_back(absl::StrFormat("%s partition table (id %s) with %d partition(s)",
                                    table->label == "dos" ? "MBR" : "GPT", table->disk_id,
                                    table->partitions.size()));
  // On an ISO the ISO checker has already run the GPT checker over the hybrid tables.
  if (!c.iso && (device::HasGpt(c.target, 512) || table->label == "gpt")) {
    if (table->label != "gpt") r.found.push_back("GPT beside the MBR (hybrid layout)");
    for (const auto& p : device::CheckGpt(c.target, c.target.size(), 512).problems) {
      r.problems.push_back({absl::StrCat(path, ": ", p.where), p.offset, p.what});
    }
  }
  if (!c.iso) {
    for (const auto& p : table->problems) r.problems.push_back({path, std::nullopt, p});
  }
  c.table = std::move(*table);
  return absl::OkStatus();
}

absl::Status CheckPartitionVolumes(InspectionContext& c, MediaReport& r) {
  if (!c.table) return absl::OkStatus();
  for (const auto& p : c.table->partitions) {
    std::string where = absl::StrCat(c.target.path(), " partition ", p.number);
    r.found.push_back(absl::StrFormat(
        "%s: byte %d, %d bytes, type %s%s%s", where, p.offset, p.bytes, p.type,
        p.type_name.empty() ? "" : " (" + p.type_name + ")", p.bootable ? ", active" : ""));
    if (p.offset + 512 > c.target.size()) continue;
    std::vector<std::byte> first(512);
    if (!device::ReadFully(c.target, first, p.offset).ok()) {
      r.problems.push_back({where, p.offset, "first sector cannot be read"});
      continue;
    }
    if (fat32::LooksLikeFatBootSector(first)) CheckFat(c, p.offset, where, r);
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<MediaCheck> DefaultMediaChecks() {
  return {CheckSize,        CheckIsoVolume,      CheckBootSignature,
          CheckSuperfloppy, CheckPartitionTable, CheckPartitionVolumes};
}

absl::StatusOr<MediaReport> InspectMedia(device::Target& target,
                                         const std::vector<MediaCheck>& checks) {
  InspectionContext context{.target = target};
  context.head.resize(static_cast<size_t>(std::min<uint64_t>(kHeadBytes, target.size())));
  if (auto s = device::ReadFully(target, context.head, 0); !s.ok()) return s;
  MediaReport report;
  for (const MediaCheck& check : checks.empty() ? DefaultMediaChecks() : checks) {
    if (auto s = check(context, report); !s.ok()) return s;
  }
  return report;
}

}  // namespace mediaforge::inspect
