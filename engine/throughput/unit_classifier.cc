#include "engine/throughput/unit_classifier.h"

#include <algorithm>

namespace mediaforge::engine::throughput {

bool UnitClassifier::WriteFailed(uint64_t offset) const {
  auto it = std::upper_bound(write_failed_.begin(), write_failed_.end(), offset,
                             [](uint64_t o, const ByteRange& r) { return o < r.offset; });
  if (it == write_failed_.begin()) return false;
  --it;
  return offset < it->offset + it->length;
}

void UnitClassifier::AddUnit(ChunkFindings& out, uint64_t offset,
                             std::span<const std::byte> unit) const {
  if (WriteFailed(offset)) {
    AppendRegion(out.bad, {offset, kKeyedUnit, RegionKind::kIoError, std::nullopt, "write failed"});
    return;
  }
  UnitVerdict v = CheckUnit(unit, seed_, offset);
  std::optional<uint64_t> found_offset;
  if (v.state == UnitState::kAliased || v.state == UnitState::kStale) found_offset = v.found_offset;
  if (aliasing_from_ && offset >= *aliasing_from_) {
    // Past the wrap: whatever reads back here shares storage with earlier offsets.
    AppendRegion(out.bad,
                 {offset, kKeyedUnit, RegionKind::kAliased, found_offset, DescribeUnit(v)});
    return;
  }
  switch (v.state) {
    case UnitState::kGood:
      out.good_bytes += kKeyedUnit;
      return;
    case UnitState::kAliased:
      if (aliasing_from_ && v.found_offset >= *aliasing_from_) {
        out.overwritten_bytes += kKeyedUnit;  // real storage, overwritten through the wrap
        return;
      }
      AppendRegion(out.bad,
                   {offset, kKeyedUnit, RegionKind::kAliased, found_offset, DescribeUnit(v)});
      return;
    default:
      AppendRegion(out.bad,
                   {offset, kKeyedUnit, RegionKind::kMismatch, found_offset, DescribeUnit(v)});
      return;
  }
}

void UnitClassifier::AddUnreadable(ChunkFindings& out, uint64_t offset,
                                   const std::string& error) const {
  if (WriteFailed(offset)) {
    AppendRegion(out.bad, {offset, kKeyedUnit, RegionKind::kIoError, std::nullopt, "write failed"});
    return;
  }
  AppendRegion(out.bad,
               {offset, kKeyedUnit, RegionKind::kIoError, std::nullopt, "read failed: " + error});
}

}  // namespace mediaforge::engine::throughput
