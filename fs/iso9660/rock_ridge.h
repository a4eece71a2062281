// Rock Ridge: the SUSP 1.12 / RRIP 1.12 (RRIP_1991A) entries in each directory record's System
// Use area (SP, ER, PX, TF, NM, SL), and the SUSP continuation areas (CE, SUSP 5.1) that take
// what does not fit the 255-byte record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fs/iso9660/source_tree.h"

namespace mediaforge::iso9660 {

enum class RecordRole { kSelf, kParent, kChild };

// The entries for the record describing `node` in the role given; `time` is the timestamp
// written in TF (already clamped for reproducible builds). The root's "." record starts with SP
// and carries ER (SUSP 5.3, 5.5).
std::string RockRidgeEntries(const SourceNode& node, RecordRole role, bool is_root, int64_t time);

// Blocks of continuation areas shared by all records of a tree; an area never crosses a block
// (SUSP 5.1).
class ContinuationPool {
 public:
  uint32_t Allocate(uint32_t length);  // returns the byte offset in the pool
  uint64_t size_bytes() const { return used_; }
  uint32_t blocks() const;

 private:
  uint64_t used_ = 0;
};

// Where a record's System Use entries go: piece 0 in the record, the rest in continuation areas.
struct SystemUsePlan {
  // All entries back to back while planning; dropped afterwards on large trees (see
  // Hierarchy::AddRecord) and regenerated for WriteSystemUse.
  std::string entries;
  std::vector<uint32_t> piece_ends;    // end of each piece in `entries`; empty: all inline
  std::vector<uint32_t> area_offsets;  // pool offset of the area of pieces 1, 2, ...
  uint32_t inline_length = 0;          // bytes in the record (piece 0 and its CE)

  uint32_t InlineLength() const;
};

inline constexpr uint32_t kContinuationEntryLength = 28;

// Splits `entries` so piece 0 (plus a CE entry when more follows) fits `inline_capacity` bytes
// and every continuation area (plus CE) fits one block.
SystemUsePlan PlanSystemUse(std::string entries, size_t inline_capacity, ContinuationPool& pool);

// Writes piece 0 (and its CE) to `record_su`, and the continuation areas into `pool_bytes`
// (the pool's in-memory image, which starts at block `pool_lba`).
// `entries` is the string the plan was made from.
void WriteSystemUse(const SystemUsePlan& plan, const std::string& entries, uint32_t pool_lba,
                    std::byte* record_su, std::vector<std::byte>& pool_bytes);

}  // namespace mediaforge::iso9660
