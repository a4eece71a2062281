#include "engine/throughput/keyed_block.h"

#include <algorithm>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"

namespace mediaforge::engine::throughput {
namespace {

constexpr uint64_t kMagic = 0x31484342464d4dULL;  // "MMFBCH1" little-endian, never all 0/FF
constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
constexpr size_t kWords = kKeyedUnit / 8;
constexpr size_t kHeaderWords = 4;  // magic, seed, offset, check

// The SplitMix64 finalizer: a strong 64-bit mix, so word i of the body is Mix(base + i*golden).
inline uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t Check(uint64_t seed, uint64_t offset) { return Mix(seed ^ Mix(offset ^ kMagic)); }
inline uint64_t BodyBase(uint64_t seed, uint64_t offset) { return Mix(Mix(seed) + offset); }

inline uint64_t Load(const std::byte* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

void FillUnit(std::byte* out, uint64_t seed, uint64_t offset) {
  uint64_t words[kWords];
  words[0] = kMagic;
  words[1] = seed;
  words[2] = offset;
  words[3] = Check(seed, offset);
  uint64_t base = BodyBase(seed, offset);
  for (size_t i = kHeaderWords; i < kWords; ++i) words[i] = Mix(base + i * kGolden);
  std::memcpy(out, words, kKeyedUnit);
}

bool BodyMatches(const std::byte* unit, uint64_t seed, uint64_t offset) {
  uint64_t base = BodyBase(seed, offset);
  uint64_t diff = 0;
  for (size_t i = kHeaderWords; i < kWords; ++i)
    diff |= Load(unit + 8 * i) ^ Mix(base + i * kGolden);
  return diff == 0;
}

bool AllBytes(std::span<const std::byte> unit, std::byte value) {
  return std::all_of(unit.begin(), unit.end(), [value](std::byte b) { return b == value; });
}

}  // namespace

absl::StatusOr<uint64_t> KeyedBytes(const device::Target& target, absl::string_view verb) {
  const uint64_t declared = target.size();
  const uint64_t keyed = declared / kKeyedUnit * kKeyedUnit;
  if (keyed == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(target.path(), ": holds ", declared, " bytes, nothing to ", verb));
  }
  if (kKeyedUnit % target.alignment() != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(target.path(), ": sector size ", target.alignment(), " is not supported"));
  }
  return keyed;
}

uint64_t FreshSeed() {
  std::random_device rd;
  return ((static_cast<uint64_t>(rd()) << 32) ^ rd()) | 1;
}

void FillKeyed(std::span<std::byte> out, uint64_t seed, uint64_t offset) {
  for (size_t at = 0; at + kKeyedUnit <= out.size(); at += kKeyedUnit) {
    FillUnit(out.data() + at, seed, offset + at);
  }
}

UnitVerdict CheckUnit(std::span<const std::byte> unit, uint64_t seed, uint64_t offset) {
  const std::byte* p = unit.data();
  uint64_t magic = Load(p), found_seed = Load(p + 8), found_offset = Load(p + 16);
  bool header_ok = magic == kMagic && Load(p + 24) == Check(found_seed, found_offset);
  if (header_ok) {
    if (found_seed != seed) return {UnitState::kStale, found_offset};
    if (found_offset != offset) return {UnitState::kAliased, found_offset};
    return {BodyMatches(p, seed, offset) ? UnitState::kGood : UnitState::kCorrupt, offset};
  }
  if (AllBytes(unit, std::byte{0})) return {UnitState::kZeros, 0};
  if (AllBytes(unit, std::byte{0xFF})) return {UnitState::kOnes, 0};
  return {UnitState::kGarbage, 0};
}

std::string DescribeUnit(const UnitVerdict& verdict) {
  switch (verdict.state) {
    case UnitState::kGood:
      return "expected data";
    case UnitState::kAliased:
      return absl::StrCat("data written for offset ", verdict.found_offset);
    case UnitState::kStale:
      return absl::StrCat("stale data from an earlier run (for offset ", verdict.found_offset, ")");
    case UnitState::kCorrupt:
      return "damaged data";
    case UnitState::kZeros:
      return "zeros";
    case UnitState::kOnes:
      return "0xFF bytes (erased flash)";
    case UnitState::kGarbage:
      return "unrecognized data";
  }
  return "?";
}

}  // namespace mediaforge::engine::throughput
