// A raw image's data and holes (SEEK_DATA/SEEK_HOLE): the ranges bmap generation maps, and a
// layout of the image whose holes are ZeroFill extents, so a device that offloads zeroing can
// get them by BLKZEROOUT instead of written zero pages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "engine/layout.h"

namespace mediaforge::engine {

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Data extents of a regular file, widened to multiples of `align` (clipped to the file size)
// and merged where they touch.
absl::StatusOr<std::vector<ByteRange>> DataRanges(const std::string& path, uint64_t align);

// The whole raw image: file ranges for data, ZeroFill for the holes between them.
absl::StatusOr<Layout> MakeSparseRawLayout(const std::string& path, uint64_t align = 4096);

// Zeroes every ZeroFill extent of `layout` on `target` with BLKZEROOUT, then flushes. Returns
// the bytes zeroed.
absl::StatusOr<uint64_t> ZeroOutZeroExtents(const Layout& layout, device::Target& target);

}  // namespace mediaforge::engine
