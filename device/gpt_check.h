// Checks both copies of a GUID Partition Table the way firmware reads them (UEFI 2.x, 5.3.2):
// signature, header size, header CRC32, MyLBA, the usable range inside the disk, the entry-array
// geometry (SizeOfPartitionEntry = 128 x 2^n) and CRC32, entries inside the usable range, the
// primary's AlternateLBA at the last LBA and the backup pointing back at LBA 1, and both entry
// arrays equal. libfdisk quietly falls back to the backup when the primary is damaged; `verify`
// must say so. The one GPT checker: whole disks (fs/inspect) and hybrid ISO images (fs/iso9660)
// both use it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "device/partition_on_disk.h"
#include "device/problem.h"
#include "device/target.h"

namespace mediaforge::device {

// One copy of the table as read (its header sound enough that its entries could be read).
struct GptCopy {
  uint64_t lba = 0;
  GptHeader header{};
  std::vector<std::byte> entries;  // the whole entry array
};

// A used entry (non-zero type GUID) of a copy, with its 1-based number and byte offset.
struct GptEntryAt {
  uint32_t number = 0;
  uint64_t offset = 0;
  GptPartitionEntry entry{};
};

struct GptCheck {
  bool found = false;  // "EFI PART" at LBA 1 or at the last LBA
  std::optional<GptCopy> primary;
  std::optional<GptCopy> backup;
  std::vector<Problem> problems;  // empty: both copies are sound and agree
};

// `disk_bytes`: the whole disk (or image); `sector` the logical sector size. No GPT signature
// at LBA 1 and at the last LBA: found == false and no problems (the caller decides whether a
// GPT was expected).
GptCheck CheckGpt(Target& disk, uint64_t disk_bytes, uint32_t sector = 512);

// The used entries of one copy.
std::vector<GptEntryAt> UsedGptEntries(const GptCopy& copy, uint32_t sector = 512);

// True when LBA 1 holds "EFI PART".
bool HasGpt(Target& disk, uint32_t sector = 512);

}  // namespace mediaforge::device
