// `verify TARGET` with no image: what the media holds, checked piece by piece (partition
// tables, FAT volumes, ISO9660 + El Torito + hybrid tables, media manifest).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"

namespace mediaforge::cli {

struct Problem {
  std::string where;
  std::optional<uint64_t> offset;
  std::string what;
};

struct StructureReport {
  std::vector<std::string> found;  // "MBR with 1 partition", "FAT32 volume at 1048576", ...
  std::vector<Problem> problems;
};

absl::StatusOr<StructureReport> CheckStructure(device::Target& target);

}  // namespace mediaforge::cli
