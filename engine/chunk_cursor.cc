#include "engine/chunk_cursor.h"

#include <algorithm>

namespace mediaforge::engine {

bool HasStream(const Layout& layout) {
  for (const Extent& e : layout.extents()) {
    if (std::holds_alternative<Stream>(e.source)) return true;
  }
  return false;
}

ChunkCursor::ChunkCursor(const Layout& layout, uint64_t block_size, bool skip_zero_extents,
                         bool include_gaps)
    : layout_(layout),
      block_(block_size),
      skip_zero_(skip_zero_extents),
      include_gaps_(include_gaps) {
  for (const Extent& e : layout.extents()) {
    if (Writable(e) && e.length != Extent::kToEndOfStream) write_bytes_ += e.length;
  }
}

bool ChunkCursor::Writable(const Extent& e) const {
  return !(skip_zero_ && std::holds_alternative<ZeroFill>(e.source));
}

std::optional<Chunk> ChunkCursor::Next() {
  const auto& ext = layout_.extents();
  while (!done_) {
    // Advance past extents that end at or before pos_.
    while (index_ < ext.size() && ext[index_].length != Extent::kToEndOfStream &&
           ext[index_].target_offset + ext[index_].length <= pos_) {
      ++index_;
    }
    uint64_t next_boundary = (pos_ / block_ + 1) * block_;
    if (index_ == ext.size()) {
      if (!include_gaps_ || pos_ >= layout_.total_size()) {
        done_ = true;
        break;
      }
      Chunk c{pos_, std::min(next_boundary, layout_.total_size()) - pos_, false, false};
      pos_ += c.length;
      return c;
    }
    const Extent& e = ext[index_];
    if (e.target_offset > pos_ || !Writable(e)) {
      // A gap (or a skipped zero extent): up to the next writable byte.
      uint64_t gap_end = e.target_offset > pos_ ? e.target_offset : e.target_offset + e.length;
      if (!include_gaps_) {
        pos_ = gap_end;
        continue;
      }
      Chunk c{pos_, std::min(next_boundary, gap_end) - pos_, false, false};
      pos_ += c.length;
      return c;
    }
    if (e.length == Extent::kToEndOfStream) {
      Chunk c{pos_, next_boundary - pos_, true, true};
      pos_ += c.length;
      return c;
    }
    // A run of contiguous writable extents, cut at the block boundary.
    uint64_t end = e.target_offset + e.length;
    size_t j = index_ + 1;
    while (end < next_boundary && j < ext.size() && ext[j].target_offset == end &&
           Writable(ext[j])) {
      if (ext[j].length == Extent::kToEndOfStream) break;
      end += ext[j].length;
      ++j;
    }
    Chunk c{pos_, std::min(end, next_boundary) - pos_, true, false};
    pos_ += c.length;
    return c;
  }
  return std::nullopt;
}

}  // namespace mediaforge::engine
