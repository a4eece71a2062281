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

// What goes onto the stick: a directory, or a tree prepared by the caller (an ISO's files, see
// iso_source.h), or nothing (an empty FAT32 stick).
struct UsbContent {
  std::optional<std::string> dir;
  std::optional<fat32::SourceTree> tree;
};

absl::StatusOr<UsbMediaPlan> PlanUsbMedia(const UsbMediaOptions& options,
                                          const UsbContent& content);

// The smallest disk (a whole number of MiB) that holds `content` on such a stick, with
// `slack_bytes` free: for image files made without --size.
absl::StatusOr<uint64_t> DiskSizeForContent(const UsbMediaOptions& options,
                                            const UsbContent& content, uint64_t slack_bytes);

}  // namespace mediaforge::usb
