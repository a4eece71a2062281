// bmaptool's block map ("bmap"): an XML file listing the blocks of an image that hold data, so
// only those are written. Format versions (bmaptool's BmapCreate.py history, the reference):
//   1.0-1.2  no checksums;
//   1.3      SHA-1 only: <BmapFileSHA1>, per-range attribute sha1="...";
//   1.4, 2.x <ChecksumType> names the digest, <BmapFileChecksum>, per-range chksum="..."
//            (1.4 was released by mistake and is identical to 2.0).
// The file checksum is the digest of the whole bmap file with the checksum's own text replaced
// by as many ASCII '0' characters. Range checksums cover the range's bytes of the image (the
// last block clipped to ImageSize).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mediaforge::engine {

struct BmapRange {
  uint64_t first_block = 0;
  uint64_t last_block = 0;  // inclusive, as in the file
  std::string checksum;     // lowercase hex; empty when the range carries none
  int line = 0;             // line of the <Range> element in the bmap file (0: not from a file)
};

struct Bmap {
  std::string path;  // where it was read from, for messages
  int version_major = 2;
  int version_minor = 0;
  uint64_t image_size = 0;
  uint64_t block_size = 4096;
  uint64_t blocks_count = 0;
  uint64_t mapped_blocks_count = 0;
  std::string checksum_type;  // "sha1", "sha256"; empty for versions without checksums
  std::string file_checksum;  // BmapFileChecksum / BmapFileSHA1
  std::vector<BmapRange> ranges;

  // Byte extent of a range inside the image: [offset, offset + length), clipped to image_size.
  uint64_t RangeOffset(const BmapRange& r) const { return r.first_block * block_size; }
  uint64_t RangeLength(const BmapRange& r) const;
  // Bytes of the image the ranges cover.
  uint64_t mapped_bytes() const;
  std::string version() const;
};

// Reads and validates a bmap file before anything is written: well-formed XML, a version this
// reader knows (major <= 2), the required elements, BlocksCount consistent with ImageSize and
// BlockSize, the file checksum, every range inside the image, sorted and not overlapping, range
// checksums of the right length, MappedBlocksCount equal to the ranges' sum. Every error names
// the file and the line.
absl::StatusOr<Bmap> ReadBmapFile(const std::string& path);
absl::StatusOr<Bmap> ParseBmap(const std::string& text, const std::string& path);

// The v2.0 text of `bmap` (ranges and their checksums must be filled in; checksum_type must be
// set), with its BmapFileChecksum computed. bmaptool 3.x reads it.
absl::StatusOr<std::string> FormatBmap(const Bmap& bmap);

// Where bmaptool would look for the bmap of `image_path`: IMAGE.bmap, then the name with its
// extensions stripped one at a time (a.img.xz: a.img.xz.bmap, a.img.bmap, a.bmap). The first
// that exists, or nullopt.
std::optional<std::string> FindBmapBeside(const std::string& image_path);

}  // namespace mediaforge::engine
