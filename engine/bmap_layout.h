// The bridge between bmap files and the engine: a layout holding only an image's mapped ranges
// (each range checked against its bmap checksum as it streams), and a bmap made from a sparse
// file's data extents (SEEK_DATA/SEEK_HOLE).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "engine/bmap.h"
#include "engine/image_source.h"
#include "engine/layout.h"

namespace mediaforge::engine {

// Checks that `bmap` describes `source` as far as can be known before reading it: the same
// uncompressed size (when the image records it).
absl::Status CheckBmapMatchesImage(const Bmap& bmap, const ImageSource& source);

// A layout of bmap.image_size bytes with one extent per mapped range and gaps elsewhere (left
// untouched on a device; holes in a fresh image file). Each range is read from the image (raw
// or decompressed, in order) and hashed while it streams; when its last byte has been read and
// the digest differs from the bmap's, the read fails with a DataLoss error naming the range,
// its byte offset and the bmap line, so the copy stops there.
absl::StatusOr<Layout> MakeBmapLayout(const ImageSource& source, const Bmap& bmap);

// A v2.0 bmap (SHA-256 per range) of a raw image file: the blocks holding data according to
// SEEK_DATA/SEEK_HOLE (a block partly covered by data is mapped).
absl::StatusOr<Bmap> BmapFromSparseFile(const std::string& image_path, uint64_t block_size = 4096);

// FormatBmap, written to `bmap_path` through a temporary file renamed when complete.
absl::Status WriteBmapFile(const Bmap& bmap, const std::string& bmap_path);

}  // namespace mediaforge::engine
