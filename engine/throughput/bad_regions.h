// Bad stretches of a target found by the --full pass or the probe, merged into runs as they are
// found in offset order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mediaforge::engine::throughput {

enum class RegionKind { kIoError, kAliased, kMismatch };
// "io-error", "aliased", "mismatch" (cli-contract.md).
const char* RegionKindName(RegionKind kind);

struct BadRegion {
  uint64_t offset = 0;
  uint64_t length = 0;
  RegionKind kind = RegionKind::kMismatch;
  // What the first unit of the region held instead: the offset its data was written for (aliased
  // and stale data), and a description ("zeros", "read failed: ...").
  std::optional<uint64_t> found_offset;
  std::string found;
};

// Appends `region` to `regions`, merging it into the last one when that ends where `region`
// starts and is of the same kind. Calls must come in increasing offset order.
void AppendRegion(std::vector<BadRegion>& regions, BadRegion region);

}  // namespace mediaforge::engine::throughput
