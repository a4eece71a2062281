// Partition tables for USB media, made by libfdisk (never hand-written) and handed to the
// engine as layout bytes: libfdisk writes the table into a sparse in-memory file of the disk's
// size, and the sectors it touched become the extents to stream. Nothing touches the target
// until the engine writes the whole layout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mediaforge::device {

enum class PartitionScheme { kMbr, kGpt };

struct PartitionPlan {
  PartitionScheme scheme = PartitionScheme::kMbr;
  uint64_t disk_bytes = 0;
  uint32_t sector_size = 512;
  uint64_t start_bytes = 1 << 20;  // 1 MiB: aligned for flash erase blocks
  uint64_t size_bytes = 0;         // 0: to the end of the disk (minus the backup GPT)
  uint8_t mbr_type = 0x0C;         // FAT32 LBA
  bool active = true;              // MBR boot flag (some BIOSes boot only an active partition)
  // GPT: EFI System partition by default.
  std::string gpt_type_guid = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
  std::string gpt_name = "EFI System";
  // Reproducible disk identifier and GUIDs (derived from it); unset: random, as libfdisk does.
  std::optional<uint64_t> seed;
};

struct TableRegion {
  uint64_t offset = 0;
  std::vector<std::byte> bytes;
};

struct PartitionTable {
  std::vector<TableRegion> regions;  // MBR (+ primary GPT), backup GPT: what libfdisk wrote
  uint64_t partition_offset = 0;
  uint64_t partition_bytes = 0;
  std::string disk_id;  // MBR disk signature "0x1234abcd" or GPT disk GUID
};

absl::StatusOr<PartitionTable> BuildPartitionTable(const PartitionPlan& plan);

struct PartitionEntry {
  size_t number = 0;  // 1-based
  uint64_t offset = 0;
  uint64_t bytes = 0;
  std::string type;  // MBR "0xc" or GPT type GUID
  std::string type_name;
  bool bootable = false;
};

struct PartitionTableInfo {
  std::string label;  // "dos", "gpt", or "" when there is none
  std::string disk_id;
  std::vector<PartitionEntry> partitions;
  std::vector<std::string> problems;  // from libfdisk's verification and our own checks
};

// Reads the table of `path` (device or image file) read-only with libfdisk.
absl::StatusOr<PartitionTableInfo> ReadPartitionTable(const std::string& path);

// Asks the kernel to re-read the table of a block device after it was written (BLKRRPART).
absl::Status RereadPartitionTable(const std::string& device_path);

}  // namespace mediaforge::device
