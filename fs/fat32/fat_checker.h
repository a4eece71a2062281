// Structural check of a FAT12/16/32 volume (what `mediaforge verify` reports): boot sector and
// its backup, FSInfo, every FAT copy identical, every chain (no loops, no cross-links, length
// matching the size, no lost clusters), long-name checksums and ordinals, dot entries, the free
// count. Each problem names the path or structure and the byte offset.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "fs/fat32/fat_reader.h"

namespace mediaforge::fat32 {

// Problems found in the volume at `offset` (empty: clean). A Status error only when the target
// cannot be read; a sector that is not a FAT boot sector is reported as a problem.
absl::StatusOr<std::vector<Problem>> CheckFatVolume(device::Target& target, uint64_t offset);

}  // namespace mediaforge::fat32
