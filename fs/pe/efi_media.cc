#include "fs/pe/efi_media.h"

#include <cstring>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "device/gpt_check.h"
#include "fs/iso9660/on_disk.h"
#include "fs/pe/pe_image.h"

namespace mediaforge::pe {
namespace {

// Bounds on what a hostile table can make us do.
constexpr uint32_t kMaxGptEntries = 1024;
constexpr size_t kMaxEfiFiles = 4096;

// UEFI 2.x 5.3.3 "EFI System Partition" type GUID C12A7328-F81F-11D2-BA4B-00A0C93EC93B, as
// stored (first three fields little-endian).
constexpr uint8_t kEspTypeGuid[16] = {0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
                                      0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B};
// UEFI 2.x 5.2.2 "OS Types": 0xEF EFI System partition, 0xEE GPT protective.
constexpr uint8_t kMbrTypeEsp = 0xEF;
constexpr uint8_t kMbrTypeGptProtective = 0xEE;

struct Candidate {
  std::string where;
  bool esp = false;
};

// LBA units of the partition tables: the logical sector size of a block device; 512 bytes for
// an image file (whose "sector size" is only its file system's block size).
uint32_t DiskSectorSize(device::Target& target) {
  const uint32_t s = target.logical_sector_size();
  return target.is_block_device() && s >= 512 ? s : 512;
}

bool IsZero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

// GPT partitions (UEFI 2.x 5.3) with `sector`-byte LBAs; nothing when LBA 1 holds no header.
// CRCs are the structural check's business (device/gpt_check.h); here a readable entry array is
// enough to find the volumes.
void AddGptPartitions(device::Target& target, uint32_t sector,
                      std::map<uint64_t, Candidate>& candidates,
                      std::vector<std::string>& problems) {
  device::GptHeader h;
  std::vector<std::byte> raw(sizeof(h));
  if (!device::ReadFully(target, raw, sector).ok()) return;
  std::memcpy(&h, raw.data(), sizeof(h));
  if (std::memcmp(h.signature, "EFI PART", 8) != 0) return;
  const uint32_t count =
      std::min(static_cast<uint32_t>(h.number_of_partition_entries.Get()), kMaxGptEntries);
  const uint32_t size = static_cast<uint32_t>(h.size_of_partition_entry.Get());
  const uint64_t entry_lba = h.partition_entry_lba.Get();
  if (size < sizeof(device::GptPartitionEntry) || size > 4096 || size % 8 != 0 ||
      entry_lba > target.size() / sector) {
    problems.push_back(absl::StrCat(target.path(), " @", sector,
                                    ": GPT header's partition entry array is unusable"));
    return;
  }
  std::vector<std::byte> entries(uint64_t{count} * size);
  if (!device::ReadFully(target, entries, entry_lba * sector).ok()) {
    problems.push_back(absl::StrCat(target.path(), " @", entry_lba * sector,
                                    ": GPT partition entries cannot be read"));
    return;
  }
  for (uint32_t i = 0; i < count; ++i) {
    device::GptPartitionEntry e;
    std::memcpy(&e, entries.data() + uint64_t{i} * size, sizeof(e));
    const uint64_t starting_lba = e.starting_lba.Get();
    if (IsZero(e.partition_type_guid, 16) || starting_lba == 0 ||
        starting_lba > target.size() / sector) {
      continue;
    }
    Candidate& c = candidates[starting_lba * sector];
    if (c.where.empty()) c.where = absl::StrCat("GPT partition ", i + 1);
    c.esp |= std::memcmp(e.partition_type_guid, kEspTypeGuid, 16) == 0;
  }
}

void AddMbrPartitions(device::Target& target, const std::vector<std::byte>& head,
                      std::map<uint64_t, Candidate>& candidates, std::vector<std::string>& problems,
                      bool* protective) {
  device::MasterBootRecord mbr;
  std::memcpy(&mbr, head.data(), sizeof(mbr));
  if (mbr.signature[0] != 0x55 || mbr.signature[1] != 0xAA) return;
  const uint32_t sector = DiskSectorSize(target);
  for (int i = 0; i < 4; ++i) {
    const auto& p = mbr.partitions[i];
    const uint64_t first = p.first_lba.Get();
    if (p.type == kMbrTypeGptProtective) *protective = true;
    if (p.type == 0 || p.type == kMbrTypeGptProtective || p.sector_count.Get() == 0 || first == 0 ||
        first > target.size() / sector) {
      continue;
    }
    Candidate& c = candidates[first * sector];
    if (c.where.empty()) c.where = absl::StrCat("partition ", i + 1);
    c.esp |= p.type == kMbrTypeEsp;
  }
}

void AddVolume(device::Target& target, uint64_t offset, const Candidate& c, EfiMedia& media) {
  auto fat = fat32::OpenFatVolume(target, offset);
  if (!fat.ok()) {
    // Only a problem where a FAT volume was promised (ESP, El Torito UEFI image).
    if (c.esp) {
      media.problems.push_back(
          absl::StrCat(c.where, " @", offset,
                       ": expected a FAT volume for UEFI boot: ", fat.status().message()));
    }
    return;
  }
  auto list = (*fat)->List();
  if (!list.ok()) {
    media.problems.push_back(absl::StrCat(c.where, " @", offset, ": ", list.status().message()));
    return;
  }
  EfiVolume v;
  v.where = c.where;
  v.offset = offset;
  v.claims_uefi_boot = c.esp;
  const int index = static_cast<int>(media.volumes.size());
  for (auto& f : *list) {
    if (f.is_dir) {
      v.claims_uefi_boot |= absl::EqualsIgnoreCase(f.path, "/EFI");
      continue;
    }
    if (!absl::EndsWithIgnoreCase(f.path, ".efi")) continue;
    if (media.files.size() >= kMaxEfiFiles) {
      media.problems.push_back(absl::StrCat(c.where, ": more than ", kMaxEfiFiles,
                                            " EFI files; the rest are not audited"));
      break;
    }
    EfiFile e;
    e.location = c.where;
    e.path = f.path;
    e.size = f.size;
    e.offset = f.entry_offset;
    e.volume = index;
    const auto slash = f.path.find_last_of('/');
    e.default_loader = DefaultLoaderMachine(f.path).has_value() && slash != std::string::npos &&
                       absl::EqualsIgnoreCase(f.path.substr(0, slash), "/EFI/BOOT");
    e.fat_file = std::move(f);
    media.files.push_back(std::move(e));
  }
  v.fat = *std::move(fat);
  media.volumes.push_back(std::move(v));
}

}  // namespace

absl::StatusOr<EfiMedia> FindEfiFiles(device::Target& target) {
  EfiMedia media;
  std::vector<std::byte> head(static_cast<size_t>(std::min<uint64_t>(64 * 1024, target.size())));
  if (auto s = device::ReadFully(target, head, 0); !s.ok()) return s;
  if (head.size() < 512) return media;

  std::map<uint64_t, Candidate> candidates;  // FAT volume offset -> how it was found
  media.iso = head.size() >= 32774 && std::memcmp(head.data() + 32769, "CD001", 5) == 0;
  std::optional<iso9660::IsoImage> iso;
  if (media.iso) {
    auto image = iso9660::OpenIso(target);
    if (image.ok()) {
      iso = *std::move(image);
      for (const auto& b : iso->boot_entries) {
        if (b.platform_id != 0xEF) continue;
        media.iso_has_uefi_boot_entry = true;
        const uint64_t offset = uint64_t{b.load_lba} * 2048;
        if (offset == 0 || offset >= target.size()) {
          media.problems.push_back(absl::StrCat(target.path(), " @", b.entry_offset,
                                                ": El Torito UEFI entry points outside the image"));
          continue;
        }
        candidates[offset] = {"El Torito UEFI image", true};
      }
    } else {
      media.problems.push_back(std::string(image.status().message()));
    }
  }

  if (!media.iso && fat32::ParseBootSector(head, 0).ok()) {
    // A superfloppy: one FAT volume over the whole device, no partition table.
    candidates[0] = {"FAT volume", false};
  } else {
    bool protective = false;
    std::map<uint64_t, Candidate> partitions;
    AddMbrPartitions(target, head, partitions, media.problems, &protective);
    AddGptPartitions(target, 512, partitions, media.problems);
    if (DiskSectorSize(target) > 512) {
      AddGptPartitions(target, DiskSectorSize(target), partitions, media.problems);
    }
    // A hybrid ISO's EFI partition is the El Torito image itself: one volume, both names.
    for (auto& [offset, c] : partitions) {
      auto it = candidates.find(offset);
      if (it == candidates.end()) {
        candidates[offset] = c;
      } else {
        it->second.where = absl::StrCat(c.where, " (", it->second.where, ")");
        it->second.esp |= c.esp;
      }
    }
  }
  for (const auto& [offset, c] : candidates) AddVolume(target, offset, c, media);

  if (iso) {
    for (const auto& e : iso->entries) {
      if (e.type != iso9660::IsoEntry::Type::kFile || !absl::EndsWithIgnoreCase(e.path, ".efi")) {
        continue;
      }
      if (media.files.size() >= kMaxEfiFiles) {
        media.problems.push_back(absl::StrCat("ISO9660: more than ", kMaxEfiFiles,
                                              " EFI files; the rest are not audited"));
        break;
      }
      EfiFile f;
      f.location = "ISO9660";
      f.path = "/" + e.path;
      f.size = e.size;
      f.offset = e.record_offset;
      f.iso_entry = e;
      media.files.push_back(std::move(f));
    }
  }
  return media;
}

absl::StatusOr<std::vector<uint8_t>> ReadEfiFile(device::Target& target, EfiMedia& media,
                                                 const EfiFile& file, uint64_t max_bytes) {
  if (file.size > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(file.location, ":", file.path, " is ",
                                                     file.size, " bytes, more than the ", max_bytes,
                                                     " an EFI executable is read up to"));
  }
  std::vector<uint8_t> out;
  if (file.volume >= 0) {
    auto bytes = media.volumes[file.volume].fat->ReadFile(file.fat_file);
    if (!bytes.ok()) return bytes.status();
    out.resize(bytes->size());
    std::memcpy(out.data(), bytes->data(), bytes->size());
    return out;
  }
  out.resize(file.size);
  uint64_t at = 0;
  for (const auto& x : file.iso_entry.extents) {
    const uint64_t n = std::min<uint64_t>(x.length, out.size() - at);
    auto span = std::as_writable_bytes(std::span(out)).subspan(at, n);
    if (auto s = device::ReadFully(target, span, x.offset); !s.ok()) return s;
    at += n;
  }
  return out;
}

}  // namespace mediaforge::pe
