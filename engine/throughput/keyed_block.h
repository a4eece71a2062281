// Offset-keyed test data for the --full pass and --probe. The target is cut into 4 KiB units;
// each unit starts with a header naming the run's seed and the unit's own byte offset, and the
// rest is a pseudo-random stream derived from (seed, offset). Reading a unit back therefore tells
// not only that it is wrong but what it holds instead: data written for another offset in this
// run (aliased / wrapped storage), data from an earlier run (stale), zeros, 0xFF, or garbage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "device/target.h"

namespace mediaforge::engine::throughput {

inline constexpr size_t kKeyedUnit = 4096;

// The bytes of `target` that whole units cover (from offset 0), for a pass that would `verb`
// them ("test", "probe"): an error naming the target when that is nothing or when its sector
// size does not divide kKeyedUnit.
absl::StatusOr<uint64_t> KeyedBytes(const device::Target& target, absl::string_view verb);

// A fresh nonzero per-run seed.
uint64_t FreshSeed();

// Fills `out` (a multiple of kKeyedUnit long) with the units keyed for byte offsets `offset`,
// `offset + kKeyedUnit`, ...
void FillKeyed(std::span<std::byte> out, uint64_t seed, uint64_t offset);

enum class UnitState {
  kGood,     // the unit written for this offset in this run
  kAliased,  // a valid unit of this run, written for another offset (found_offset)
  kStale,    // a valid unit of an earlier run (another seed)
  kCorrupt,  // the right header, damaged body
  kZeros,
  kOnes,  // all 0xFF, as erased flash reads
  kGarbage,
};

struct UnitVerdict {
  UnitState state = UnitState::kGood;
  uint64_t found_offset = 0;  // kAliased, kStale: the offset the unit names
};

// Checks one kKeyedUnit-long unit read from byte offset `offset`.
UnitVerdict CheckUnit(std::span<const std::byte> unit, uint64_t seed, uint64_t offset);

// "data written for offset N", "zeros", "stale data from an earlier run", ...
std::string DescribeUnit(const UnitVerdict& verdict);

}  // namespace mediaforge::engine::throughput
