#include "device/gpt_check.h"

#include <zlib.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace mediaforge::device {
namespace {

uint32_t Crc32(const void* p, size_t n) {
  return static_cast<uint32_t>(crc32(0, static_cast<const Bytef*>(p), static_cast<uInt>(n)));
}

struct ReadHeader {
  bool present = false;
  GptHeader h{};
  std::vector<std::byte> entries;
};

// Reads and checks one header and its entries, appending problems; `which` names it.
ReadHeader CheckOne(Target& disk, uint64_t lba, uint64_t disk_lbas, uint32_t sector,
                    const char* which, std::vector<GptProblem>& problems) {
  ReadHeader r;
  const uint64_t off = lba * sector;
  std::vector<std::byte> buf(sector);
  if (!ReadFully(disk, buf, off).ok()) {
    problems.push_back({off, absl::StrCat(which, " GPT header could not be read")});
    return r;
  }
  std::memcpy(&r.h, buf.data(), sizeof r.h);
  if (std::memcmp(r.h.signature, "EFI PART", 8) != 0) {
    problems.push_back(
        {off, absl::StrCat(which, " GPT header missing (no \"EFI PART\" at LBA ", lba, ")")});
    return r;
  }
  r.present = true;
  if (r.h.header_size < sizeof(GptHeader) || r.h.header_size > sector) {
    problems.push_back(
        {off, absl::StrCat(which, " GPT header size ", r.h.header_size, " is invalid")});
    return r;
  }
  GptHeader copy = r.h;
  copy.header_crc32 = 0;
  std::vector<std::byte> hdr(buf.begin(), buf.begin() + r.h.header_size);
  std::memcpy(hdr.data(), &copy, sizeof copy);
  if (Crc32(hdr.data(), hdr.size()) != r.h.header_crc32) {
    problems.push_back({off + 16, absl::StrCat(which, " GPT header CRC32 does not match")});
  }
  if (r.h.my_lba != lba) {
    problems.push_back({off + 24, absl::StrCat(which, " GPT header says it is at LBA ", r.h.my_lba,
                                               ", but it is at LBA ", lba)});
  }
  if (r.h.size_of_partition_entry < 128 || r.h.size_of_partition_entry % 128 != 0 ||
      r.h.number_of_partition_entries > 16384) {
    problems.push_back({off + 80, absl::StrCat(which, " GPT entry array geometry is invalid")});
    return r;
  }
  uint64_t array_bytes = uint64_t{r.h.number_of_partition_entries} * r.h.size_of_partition_entry;
  if (r.h.partition_entry_lba >= disk_lbas ||
      r.h.partition_entry_lba * sector + array_bytes > disk_lbas * sector) {
    problems.push_back({off + 72, absl::StrCat(which, " GPT entry array lies outside the disk")});
    return r;
  }
  r.entries.resize(array_bytes);
  if (!ReadFully(disk, r.entries, r.h.partition_entry_lba * sector).ok()) {
    problems.push_back(
        {r.h.partition_entry_lba * sector, absl::StrCat(which, " GPT entries could not be read")});
    return r;
  }
  if (Crc32(r.entries.data(), r.entries.size()) != r.h.partition_entry_array_crc32) {
    problems.push_back({r.h.partition_entry_lba * sector,
                        absl::StrCat(which, " GPT partition entry array CRC32 does not match")});
  }
  for (uint32_t i = 0; i < r.h.number_of_partition_entries; ++i) {
    GptPartitionEntry e;
    std::memcpy(&e, r.entries.data() + uint64_t{i} * r.h.size_of_partition_entry, sizeof e);
    static constexpr uint8_t kZero[16] = {};
    if (std::memcmp(e.partition_type_guid, kZero, 16) == 0) continue;
    if (e.starting_lba < r.h.first_usable_lba || e.ending_lba > r.h.last_usable_lba ||
        e.starting_lba > e.ending_lba) {
      problems.push_back(
          {r.h.partition_entry_lba * sector + uint64_t{i} * r.h.size_of_partition_entry,
           absl::StrCat(which, " GPT partition ", i + 1, " (LBA ", e.starting_lba, "-",
                        e.ending_lba, ") is outside the usable LBAs ", r.h.first_usable_lba, "-",
                        r.h.last_usable_lba)});
    }
  }
  return r;
}

}  // namespace

bool HasGpt(Target& disk, uint32_t sector) {
  char sig[8];
  return ReadFully(disk, std::as_writable_bytes(std::span(sig)), sector).ok() &&
         std::memcmp(sig, "EFI PART", 8) == 0;
}

std::vector<GptProblem> CheckGpt(Target& disk, uint64_t disk_bytes, uint32_t sector) {
  std::vector<GptProblem> problems;
  const uint64_t lbas = disk_bytes / sector;
  if (lbas < 68) return problems;
  std::vector<GptProblem> primary_problems, backup_problems;
  ReadHeader primary = CheckOne(disk, 1, lbas, sector, "primary", primary_problems);
  ReadHeader backup = CheckOne(disk, lbas - 1, lbas, sector, "backup", backup_problems);
  if (!primary.present && !backup.present) return problems;  // no GPT at all
  problems = primary_problems;
  problems.insert(problems.end(), backup_problems.begin(), backup_problems.end());
  if (primary.present && primary.h.alternate_lba != lbas - 1) {
    problems.push_back(
        {sector + 32,
         absl::StrCat("primary GPT header points to its backup at LBA ", primary.h.alternate_lba,
                      ", but the disk's last LBA is ", lbas - 1, " (image grown or truncated?)")});
  }
  if (primary.present && backup.present && !primary.entries.empty() &&
      primary.entries != backup.entries) {
    problems.push_back({(lbas - 1) * sector, "backup GPT entries differ from the primary ones"});
  }
  return problems;
}

}  // namespace mediaforge::device
