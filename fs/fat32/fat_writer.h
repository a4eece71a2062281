// Plans a whole FAT12/16/32 volume — boot sectors, FSInfo, both FATs, directories and, from a
// source tree, every file — as an engine::Layout the engine streams to a device or image. The
// writer never writes a byte itself; every pre-flight check runs while planning.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "engine/layout.h"
#include "fs/fat32/geometry.h"
#include "fs/fat32/tree_planner.h"

namespace mediaforge::fat32 {

struct FormatOptions {
  // Size of the volume in bytes (a partial last sector is left unused).
  uint64_t volume_bytes = 0;
  // Byte offset of the volume on its device: the partition start (0 for a whole device or an
  // image file). Counts for hidden sectors and for the data region's alignment; the planned
  // layout places every extent at device offsets.
  uint64_t device_offset = 0;
  // Where the layout places the volume on the target being written, when that is not the whole
  // disk: a partition's own device node is written from 0 (device_offset still says where the
  // partition starts on its disk). Unset: device_offset.
  std::optional<uint64_t> target_offset;
  uint32_t bytes_per_sector = 512;  // 512 .. 4096: the device's logical sector size
  FatType type = FatType::kAuto;    // auto: FAT32 when the size allows, else FAT16, else FAT12
  uint32_t cluster_bytes = 0;       // 0: Microsoft's default for the size
  // Data region alignment on the device; 0: 1 MiB from 64 MiB volumes up, the cluster size
  // below (El Torito images stay small). See GeometryRequest::align_bytes.
  uint64_t align_bytes = 0;
  // Volume label (BPB and root entry): up to 11 characters valid in short names, stored in
  // upper case. Empty: "NO NAME" and no root entry.
  std::string label;
  // Reproducible output: the volume id derives from it and no timestamp is later than it
  // (SOURCE_DATE_EPOCH / --date). Unset: the volume id comes from the clock.
  std::optional<int64_t> date;
  // The target may hold old data (a device, a reused file): write the FAT regions in full
  // (zero extents) instead of leaving them as gaps. A fresh sparse image file does not need it.
  bool zero_fill = false;
};

struct VolumeStats {
  uint64_t files = 0;
  uint64_t directories = 0;  // not counting the root
  uint64_t file_bytes = 0;
  uint64_t used_clusters = 0;  // root, directories and files
  uint64_t free_clusters = 0;
};

struct PlannedVolume {
  Geometry geometry;
  uint32_t volume_id = 0;
  std::string label;  // as stored, trailing spaces trimmed ("" for none)
  VolumeStats stats;
  // Finalized; extents at target offsets; total_size = target offset + volume_bytes.
  engine::Layout layout;
  // The reserved area (boot sector, FSInfo, backups) the layout points at; InstallPbr patches
  // it in place before streaming.
  std::shared_ptr<std::vector<std::byte>> reserved_area;
};

// Plans a volume, empty or holding a copy of `source_dir`. All pre-flight checks happen here
// (see tree_planner.h; plus directory entry limits and content larger than the volume, giving
// both sizes): on error nothing has been written anywhere.
absl::StatusOr<PlannedVolume> PlanFatVolume(const FormatOptions& options,
                                            const std::optional<std::string>& source_dir);

// The same for a tree prepared by the caller (files may be ranges of one big file, e.g. the
// files of an ISO image: SourceNode::source_offset). The caller has run the pre-flight checks
// that ScanSourceTree runs for directories (4 GiB files, names, collisions).
absl::StatusOr<PlannedVolume> PlanFatVolume(const FormatOptions& options, SourceTree tree);

// The smallest volume_bytes (a multiple of 4096) with which PlanFatVolume(options, source_dir)
// succeeds, for El Torito EFI images and ESPs sized to their content. options.volume_bytes is
// ignored; `slack_bytes` of free space are added on top.
absl::StatusOr<uint64_t> SizeForTree(const FormatOptions& options, const std::string& source_dir,
                                     uint64_t slack_bytes = 0);

absl::StatusOr<uint64_t> SizeForTree(const FormatOptions& options, SourceTree tree,
                                     uint64_t slack_bytes = 0);

// Installs a partition boot record in a planned volume: bytes 0-2 and code offset-511 of `pbr`
// (the first 512 bytes of a boot sector image ending in 0x55AA) replace the default code in
// sector 0 and, on FAT32, in the backup boot sector 6; the BPB (bytes 3-89, 3-61 on FAT12/16)
// is kept.
absl::Status InstallPbr(PlannedVolume& volume, std::span<const std::byte> pbr);
// The same on a volume already on `target` at byte `offset`.
absl::Status InstallPbr(device::Target& target, uint64_t offset, std::span<const std::byte> pbr);

}  // namespace mediaforge::fat32
