// --probe: a fake-capacity check in seconds, in the spirit of f3probe. The target is cut into
// groups (1 MiB by default); probing group g writes a keyed unit (keyed_block.h) into the last
// 4 KiB of the group and checks that (1) the spot did not already hold a unit written for a lower
// offset, (2) it reads back, and (3) no unit written earlier (offset 0's group and every group
// found good so far, the witnesses) changed. Groups 1, 2, 4, 8, ... and the last one find a first
// bad group; bisection then narrows the real capacity to one group. This catches drives whose
// excess addresses wrap onto earlier storage at a power of two, and drives that drop or garble
// writes past their real size; --full catches everything else.
//
// Non-destructive by default: each unit's original content is saved before it is written and
// written back afterwards in reverse order (which restores aliased storage correctly too), on
// failure and cancellation as well.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "engine/throughput/bad_regions.h"

namespace mediaforge::engine::throughput {

struct ProbeOptions {
  uint64_t group = 1 << 20;  // the precision of the capacity found
  bool destructive = false;  // skip saving and restoring the blocks written
  uint64_t seed = 0;         // 0: a fresh random seed
  const std::atomic<bool>* cancel = nullptr;
};

struct ProbePoint {
  uint64_t offset = 0;  // the unit probed
  bool good = false;
  std::string found;  // what made it bad
};

struct ProbeReport {
  uint64_t declared_bytes = 0;
  uint64_t usable_bytes = 0;  // groups below the first bad one
  uint64_t group_bytes = 0;
  // Data past some point wraps onto earlier storage or is lost (an unreadable spot alone is bad
  // media, not fake capacity; usable_bytes < declared_bytes either way).
  bool fake = false;
  // The first bad group: offset of the group, kind, what was found.
  std::optional<BadRegion> first_bad;
  std::vector<ProbePoint> points;  // in the order probed
  int writes = 0;
  int reads = 0;
  double seconds = 0;
  uint64_t seed = 0;
  bool restored = false;  // non-destructive: every saved unit written back
  std::string restore_error;
  bool cancelled = false;
};

absl::StatusOr<ProbeReport> RunProbe(device::Target& target, const ProbeOptions& options);

}  // namespace mediaforge::engine::throughput
