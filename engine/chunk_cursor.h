// Cuts a layout into the pieces the copy pipeline moves: runs of contiguous extents split at
// multiples of the block size (so writes stay aligned), and, when asked, the gaps between them
// (to be hashed as zeros, never written).
#pragma once

#include <cstdint>
#include <optional>

#include "engine/layout.h"

namespace mediaforge::engine {

struct Chunk {
  uint64_t offset = 0;
  uint64_t length = 0;  // for the open-ended last stream: block size (it may come back shorter)
  bool write = true;    // false: a gap or a skipped zero extent (content is zeros)
  bool open_ended = false;
};

// True when the layout holds a stream extent: its chunks must then be read in order, by one
// reader (the write's single filler, verify's coordinator).
bool HasStream(const Layout& layout);

class ChunkCursor {
 public:
  // `skip_zero_extents`: zero extents become gaps. `include_gaps`: gaps up to total_size are
  // returned as write=false chunks (for hashing); otherwise they are skipped.
  ChunkCursor(const Layout& layout, uint64_t block_size, bool skip_zero_extents, bool include_gaps);
  std::optional<Chunk> Next();
  // Total bytes Next() will return as write=true chunks (open-ended streams not counted).
  uint64_t write_bytes() const { return write_bytes_; }

 private:
  bool Writable(const Extent& e) const;

  const Layout& layout_;
  uint64_t block_;
  bool skip_zero_;
  bool include_gaps_;
  size_t index_ = 0;
  uint64_t pos_ = 0;  // next target offset to hand out
  uint64_t write_bytes_ = 0;
  bool done_ = false;
};

}  // namespace mediaforge::engine
