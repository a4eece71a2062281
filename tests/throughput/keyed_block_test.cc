// Offset-keyed units: a unit reads back as good only at its own offset and seed, and anything
// else says what it is.
#include "engine/throughput/keyed_block.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace mediaforge::engine::throughput {
namespace {

TEST(KeyedBlock, RoundTripsAndNamesWhatWasFoundInstead) {
  std::vector<std::byte> buf(4 * kKeyedUnit);
  FillKeyed(buf, 77, 1 << 20);
  for (int i = 0; i < 4; ++i) {
    std::span<const std::byte> unit(buf.data() + i * kKeyedUnit, kKeyedUnit);
    EXPECT_EQ(CheckUnit(unit, 77, (1 << 20) + i * kKeyedUnit).state, UnitState::kGood);
    UnitVerdict elsewhere = CheckUnit(unit, 77, 0);
    EXPECT_EQ(elsewhere.state, UnitState::kAliased);
    EXPECT_EQ(elsewhere.found_offset, (1u << 20) + i * kKeyedUnit);
    EXPECT_EQ(CheckUnit(unit, 78, (1 << 20) + i * kKeyedUnit).state, UnitState::kStale);
  }
  std::span<std::byte> first(buf.data(), kKeyedUnit);
  first[1000] ^= std::byte{1};
  EXPECT_EQ(CheckUnit(first, 77, 1 << 20).state, UnitState::kCorrupt);
  std::fill(first.begin(), first.end(), std::byte{0});
  EXPECT_EQ(CheckUnit(first, 77, 1 << 20).state, UnitState::kZeros);
  std::fill(first.begin(), first.end(), std::byte{0xFF});
  EXPECT_EQ(CheckUnit(first, 77, 1 << 20).state, UnitState::kOnes);
  first[7] = std::byte{3};
  EXPECT_EQ(CheckUnit(first, 77, 1 << 20).state, UnitState::kGarbage);
  EXPECT_EQ(DescribeUnit({UnitState::kAliased, 4096}), "data written for offset 4096");
}

TEST(KeyedBlock, DifferentOffsetsAndSeedsGiveDifferentBodies) {
  std::vector<std::byte> a(kKeyedUnit), b(kKeyedUnit), c(kKeyedUnit);
  FillKeyed(a, 1, 0);
  FillKeyed(b, 1, kKeyedUnit);
  FillKeyed(c, 2, 0);
  EXPECT_NE(0, std::memcmp(a.data() + 64, b.data() + 64, kKeyedUnit - 64));
  EXPECT_NE(0, std::memcmp(a.data() + 64, c.data() + 64, kKeyedUnit - 64));
}

}  // namespace
}  // namespace mediaforge::engine::throughput
