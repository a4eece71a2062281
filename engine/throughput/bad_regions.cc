#include "engine/throughput/bad_regions.h"

namespace mediaforge::engine::throughput {

const char* RegionKindName(RegionKind kind) {
  switch (kind) {
    case RegionKind::kIoError:
      return "io-error";
    case RegionKind::kAliased:
      return "aliased";
    case RegionKind::kMismatch:
      return "mismatch";
  }
  return "mismatch";
}

void AppendRegion(std::vector<BadRegion>& regions, BadRegion region) {
  if (region.length == 0) return;
  if (!regions.empty()) {
    BadRegion& last = regions.back();
    if (last.kind == region.kind && last.offset + last.length == region.offset) {
      last.length += region.length;
      return;
    }
  }
  regions.push_back(std::move(region));
}

}  // namespace mediaforge::engine::throughput
