// The rules that turn read-back units into bad regions for the --full pass (full_check.h): write
// failures, the aliased tail from `aliasing_from`, victims of aliasing, and mismatches.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/throughput/bad_regions.h"
#include "engine/throughput/keyed_block.h"

namespace mediaforge::engine::throughput {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// The findings of one chunk, bad units already merged into runs.
struct ChunkFindings {
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t good_bytes = 0;
  uint64_t overwritten_bytes = 0;
  std::vector<BadRegion> bad;
};

class UnitClassifier {
 public:
  // `write_failed`: ranges whose write failed, sorted by offset.
  UnitClassifier(uint64_t seed, std::optional<uint64_t> aliasing_from,
                 std::vector<ByteRange> write_failed)
      : seed_(seed), aliasing_from_(aliasing_from), write_failed_(std::move(write_failed)) {}

  // One unit read back from `offset` (kKeyedUnit bytes).
  void AddUnit(ChunkFindings& out, uint64_t offset, std::span<const std::byte> unit) const;
  // One unit that could not be read.
  void AddUnreadable(ChunkFindings& out, uint64_t offset, const std::string& error) const;

 private:
  bool WriteFailed(uint64_t offset) const;

  uint64_t seed_;
  std::optional<uint64_t> aliasing_from_;
  std::vector<ByteRange> write_failed_;
};

}  // namespace mediaforge::engine::throughput
