// --efi-dir: the El Torito EFI image built from a directory with mediaforge's own FAT writer
// (fs/fat32), sized to fit its content, planned at whatever ISO offset the volume planner picks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "fs/iso9660/volume_plan.h"

namespace mediaforge::iso9660 {

// Free space left in the image beyond its content.
inline constexpr uint64_t kEfiImageSlackBytes = 64 * 1024;

// `date`: reproducible builds (volume id and timestamps), as for the ISO.
absl::StatusOr<EmbeddedImage> PlanEfiDirImage(const std::string& directory,
                                              std::optional<int64_t> date);

}  // namespace mediaforge::iso9660
