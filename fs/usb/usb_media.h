// A bootable USB stick planned as one layout: partition table (libfdisk), MBR boot code, and a
// FAT32 volume at the partition's offset holding the source tree (the FAT writer), with the
// optional PBR installed. Pre-flight (sizes, 4 GiB files, names) happens while planning, so
// nothing is written when it fails.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/partition_table.h"
#include "engine/layout.h"
#include "fs/fat32/fat32.h"

namespace mediaforge::usb {

struct UsbMediaOptions {
  device::PartitionScheme scheme = device::PartitionScheme::kMbr;
  uint64_t disk_bytes = 0;
  uint32_t sector_size = 512;
  std::string label;
  uint32_t cluster_bytes = 0;       // 0: the FAT writer's default for the size
  std::optional<int64_t> date;      // reproducible ids and times
  std::vector<std::byte> mbr_code;  // empty: the "UEFI only" message program
  std::vector<std::byte> pbr_code;  // empty: the FAT writer's default boot sector code
  // The target may hold old data (a device): write FAT regions in full and wipe what sits
  // between the partition table and the partition (stale ISO/FS signatures).
  bool zero_fill = false;
};

struct UsbMediaPlan {
  engine::Layout layout;  // finalized; total_size = disk_bytes
  device::PartitionTable table;
  fat32::PlannedVolume volume;
};

absl::StatusOr<UsbMediaPlan> PlanUsbMedia(const UsbMediaOptions& options,
                                          const std::optional<std::string>& source_dir);

// The smallest disk (a whole number of MiB) that holds `source_dir` on such a stick, with
// `slack_bytes` free: for image files made without --size.
absl::StatusOr<uint64_t> DiskSizeForTree(const UsbMediaOptions& options,
                                         const std::string& source_dir, uint64_t slack_bytes);

}  // namespace mediaforge::usb
