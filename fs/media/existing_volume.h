// output.format false (USB media): the media go onto the FAT volume a stick already has. The
// supported behaviour (docs/MEDIA.md): the stick keeps its partition table, MBR boot code and
// every other partition; the FAT volume of its first partition (or of the whole disk, when it
// has no table) is made anew in the same place with the same sector size, FAT type and cluster
// size, holding the media: the files it held before are gone. The volume must hold the media.
// Every check reads only, before the first byte is written; errors name the device and offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/fat32/fat32.h"
#include "fs/usb/usb_media.h"

namespace mediaforge::media {

struct ExistingFatVolume {
  std::string target;
  bool block_device = false;
  uint64_t disk_bytes = 0;
  uint64_t offset = 0;  // byte offset of the volume (its partition's start) on the disk
  fat32::Geometry geometry;
};

// Reads the table and the boot sector of `target` (a device or image file).
absl::StatusOr<ExistingFatVolume> FindExistingFatVolume(const std::string& target);

struct ExistingVolumePlanOptions {
  std::string label;
  std::optional<int64_t> date;
  std::vector<std::byte> pbr_code;  // optional, as usb::UsbMediaOptions::pbr_code
};

// One layout for every target: their volumes must lie at the same offset with the same
// geometry. An image file (only as the one target) gets the bytes outside its volume copied
// from its present content, since it is written as a new file (engine::Destination).
absl::StatusOr<usb::UsbMediaPlan> PlanOntoExistingVolumes(
    const std::vector<ExistingFatVolume>& volumes, fat32::SourceTree tree,
    const ExistingVolumePlanOptions& options);

}  // namespace mediaforge::media
