#include "tools/structural_check.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace mediaforge::cli {

absl::StatusOr<StructureReport> CheckStructure(device::Target& target) {
  StructureReport r;
  std::vector<std::byte> head(64 * 1024);
  size_t n = static_cast<size_t>(std::min<uint64_t>(head.size(), target.size()));
  if (auto s = device::ReadFully(target, std::span(head).first(n), 0); !s.ok()) return s;
  if (n < 512) {
    r.problems.push_back({target.path(), 0, "too small to hold any media structure"});
    return r;
  }
  // Detailed checkers (FAT, ISO, partition tables) are wired in as they land.
  r.problems.push_back(
      {target.path(), std::nullopt, "no structure this version can check was recognised"});
  return r;
}

}  // namespace mediaforge::cli
