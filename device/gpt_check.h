// Checks both copies of a GUID Partition Table the way firmware reads them (UEFI 2.x, 5.3.2):
// signature, header CRC32, entry-array CRC32, MyLBA/AlternateLBA pointing at each other, the
// backup at the last LBA, entries inside the usable range. libfdisk quietly falls back to the
// backup when the primary is damaged; `verify` must say so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "device/target.h"

namespace mediaforge::device {

#pragma pack(push, 1)
// UEFI 2.x, 5.3.2 "GPT Header".
struct GptHeader {
  char signature[8];  // "EFI PART"
  uint32_t revision;
  uint32_t header_size;
  uint32_t header_crc32;
  uint32_t reserved;
  uint64_t my_lba;
  uint64_t alternate_lba;
  uint64_t first_usable_lba;
  uint64_t last_usable_lba;
  uint8_t disk_guid[16];
  uint64_t partition_entry_lba;
  uint32_t number_of_partition_entries;
  uint32_t size_of_partition_entry;
  uint32_t partition_entry_array_crc32;
};
static_assert(sizeof(GptHeader) == 92);

// UEFI 2.x, 5.3.3 "GPT Partition Entry".
struct GptPartitionEntry {
  uint8_t partition_type_guid[16];
  uint8_t unique_partition_guid[16];
  uint64_t starting_lba;
  uint64_t ending_lba;
  uint64_t attributes;
  char16_t partition_name[36];
};
static_assert(sizeof(GptPartitionEntry) == 128);
#pragma pack(pop)

struct GptProblem {
  uint64_t offset;  // byte offset of the structure at fault
  std::string what;
};

// `disk_bytes`: the whole disk (or image). `sector` the logical sector size. Returns every
// problem found (empty: both copies are sound and agree). No GPT signature at LBA 1 and at the
// last LBA: empty too (caller decides whether a GPT was expected).
std::vector<GptProblem> CheckGpt(Target& disk, uint64_t disk_bytes, uint32_t sector = 512);

// True when LBA 1 holds "EFI PART".
bool HasGpt(Target& disk, uint32_t sector = 512);

}  // namespace mediaforge::device
