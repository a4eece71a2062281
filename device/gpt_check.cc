#include "device/gpt_check.h"

#include <bit>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "device/crc32.h"

namespace mediaforge::device {
namespace {

// Bounds the entry array read into memory (the usual one is 16 KiB) so that a hostile header
// cannot ask for gigabytes.
constexpr uint64_t kMaxEntryArrayBytes = 4ull << 20;

// UEFI 2.x 5.3.2: "SizeOfPartitionEntry ... shall be set to a value of 128 x 2^n".
bool ValidEntrySize(uint64_t size) {
  return size >= sizeof(GptPartitionEntry) && size % sizeof(GptPartitionEntry) == 0 &&
         std::has_single_bit(size / sizeof(GptPartitionEntry));
}

struct CopyRead {
  bool present = false;  // the signature is there
  std::optional<GptCopy> copy;
};

// Reads and checks the header at `lba` and its entry array; `where` names it in problems.
CopyRead ReadCopy(Target& disk, uint64_t lba, uint64_t disk_lbas, uint32_t sector,
                  const std::string& where, std::vector<Problem>& problems) {
  CopyRead r;
  const uint64_t at = lba * sector;
  std::vector<std::byte> buf(sector);
  if (!ReadFully(disk, buf, at).ok()) {
    problems.push_back({where, at, "cannot be read"});
    return r;
  }
  GptHeader h;
  std::memcpy(&h, buf.data(), sizeof h);
  if (std::memcmp(h.signature, kGptSignature, 8) != 0) {
    problems.push_back({where, at, absl::StrCat("missing (no \"EFI PART\" at LBA ", lba, ")")});
    return r;
  }
  r.present = true;
  const uint64_t header_size = h.header_size.Get();
  if (header_size < sizeof(GptHeader) || header_size > sector) {
    problems.push_back({where, at + 12, absl::StrCat("header size ", header_size, " is invalid")});
    return r;
  }
  std::memset(buf.data() + 16, 0, 4);  // HeaderCRC32 is computed with itself zero
  if (Crc32(std::span(buf).first(header_size)) != h.header_crc32.Get()) {
    problems.push_back({where, at + 16, "CRC32 does not match"});
  }
  if (h.my_lba.Get() != lba) {
    problems.push_back(
        {where, at + 24, absl::StrCat("says it is at LBA ", h.my_lba.Get(), ", found at ", lba)});
  }
  const uint64_t first_usable = h.first_usable_lba.Get(), last_usable = h.last_usable_lba.Get();
  if (first_usable > last_usable || last_usable >= disk_lbas) {
    problems.push_back({where, at + 40,
                        absl::StrCat("usable LBAs ", first_usable, "-", last_usable,
                                     " do not fit the disk (", disk_lbas, " sectors)")});
  }
  const uint64_t count = h.number_of_partition_entries.Get();
  const uint64_t size = h.size_of_partition_entry.Get();
  if (!ValidEntrySize(size) || count * size > kMaxEntryArrayBytes) {
    problems.push_back({where, at + 80,
                        absl::StrCat("entry array of ", count, " entries of ", size,
                                     " bytes is invalid (entries are 128 x 2^n bytes)")});
    return r;
  }
  const uint64_t entries_lba = h.partition_entry_lba.Get();
  if (entries_lba >= disk_lbas || entries_lba * sector + count * size > disk_lbas * sector) {
    problems.push_back({where, at + 72, "partition entry array lies outside the disk"});
    return r;
  }
  GptCopy copy{.lba = lba, .header = h, .entries = std::vector<std::byte>(count * size)};
  if (!ReadFully(disk, copy.entries, entries_lba * sector).ok()) {
    problems.push_back({where, at + 72, "partition entry array cannot be read"});
    return r;
  }
  if (Crc32(copy.entries) != h.partition_entry_array_crc32.Get()) {
    problems.push_back({where, at + 88, "partition entry array CRC32 does not match"});
  }
  r.copy = std::move(copy);
  return r;
}

void CheckEntriesInUsableRange(const GptCopy& copy, uint32_t sector,
                               std::vector<Problem>& problems) {
  const uint64_t first_usable = copy.header.first_usable_lba.Get();
  const uint64_t last_usable = copy.header.last_usable_lba.Get();
  for (const GptEntryAt& e : UsedGptEntries(copy, sector)) {
    uint64_t first = e.entry.starting_lba.Get(), last = e.entry.ending_lba.Get();
    if (first > last || first < first_usable || last > last_usable) {
      problems.push_back({absl::StrCat("GPT partition ", e.number), e.offset + 32,
                          absl::StrCat("LBAs ", first, "-", last, " are outside the usable ",
                                       first_usable, "-", last_usable)});
    }
  }
}

}  // namespace

std::vector<GptEntryAt> UsedGptEntries(const GptCopy& copy, uint32_t sector) {
  std::vector<GptEntryAt> used;
  const uint64_t size = copy.header.size_of_partition_entry.Get();
  const uint64_t base = copy.header.partition_entry_lba.Get() * sector;
  static constexpr uint8_t kUnused[16] = {};
  for (uint64_t i = 0; size != 0 && (i + 1) * size <= copy.entries.size(); ++i) {
    GptEntryAt e{.number = static_cast<uint32_t>(i + 1), .offset = base + i * size};
    std::memcpy(&e.entry, copy.entries.data() + i * size, sizeof e.entry);
    if (std::memcmp(e.entry.partition_type_guid, kUnused, 16) != 0) used.push_back(e);
  }
  return used;
}

bool HasGpt(Target& disk, uint32_t sector) {
  char sig[8];
  return ReadFully(disk, std::as_writable_bytes(std::span(sig)), sector).ok() &&
         std::memcmp(sig, kGptSignature, 8) == 0;
}

GptCheck CheckGpt(Target& disk, uint64_t disk_bytes, uint32_t sector) {
  GptCheck r;
  const uint64_t lbas = disk_bytes / sector;
  if (lbas < 3) return r;
  std::vector<Problem> primary_problems, backup_problems, pointer_problems;
  CopyRead primary = ReadCopy(disk, 1, lbas, sector, "primary GPT header", primary_problems);
  // UEFI 2.x 5.3.2: the backup header is at the last LBA; the primary's AlternateLBA says so.
  uint64_t backup_lba = lbas - 1;
  if (primary.copy && primary.copy->header.alternate_lba.Get() != lbas - 1) {
    const uint64_t alternate = primary.copy->header.alternate_lba.Get();
    pointer_problems.push_back(
        {"primary GPT header", sector + 32,
         absl::StrCat("points to its backup at LBA ", alternate, ", but the disk's last LBA is ",
                      lbas - 1, " (image grown or truncated?)")});
    if (alternate > 1 && alternate < lbas) backup_lba = alternate;  // check the copy it names
  }
  CopyRead backup = ReadCopy(disk, backup_lba, lbas, sector, "backup GPT header", backup_problems);
  if (!primary.present && !backup.present) return r;  // no GPT at all
  r.found = true;
  r.problems = std::move(primary_problems);
  r.problems.insert(r.problems.end(), backup_problems.begin(), backup_problems.end());
  r.problems.insert(r.problems.end(), pointer_problems.begin(), pointer_problems.end());
  if (backup.copy && backup.copy->header.alternate_lba.Get() != 1) {
    r.problems.push_back({"backup GPT header", backup_lba * sector + 32,
                          absl::StrCat("points to LBA ", backup.copy->header.alternate_lba.Get(),
                                       " instead of back at LBA 1")});
  }
  if (primary.copy && backup.copy && primary.copy->entries != backup.copy->entries) {
    r.problems.push_back({"backup GPT partition entries",
                          backup.copy->header.partition_entry_lba.Get() * sector,
                          "differ from the primary entries"});
  }
  r.primary = std::move(primary.copy);
  r.backup = std::move(backup.copy);
  if (r.primary || r.backup) {
    CheckEntriesInUsableRange(r.primary ? *r.primary : *r.backup, sector, r.problems);
  }
  return r;
}

}  // namespace mediaforge::device
