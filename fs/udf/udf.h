// Public read-only API of fs/udf: the files of a UDF volume (ECMA-167 3rd edition as OSTA UDF
// 1.02-2.60 profiles it; what Windows install ISOs keep their files in, while their ISO9660
// tree holds only a README).
//   HasUdfRecognition - the Volume Recognition Sequence names NSR02/NSR03 (ECMA-167 2/9.1);
//   OpenUdf           - anchor, volume descriptors, logical volume with type-1 partition maps,
//                       file set, and the directory tree with each file's extents;
//   ExtractUdfFile    - copies a file's bytes out.
// Everything is read through a device::Target and bounds-checked: a hostile image gets an
// error naming the structure and its byte offset, never a crash or an unbounded allocation.
// Not supported (named in the error): type-2 partition maps (virtual, sparable and metadata
// partitions of UDF 1.50+ write-once and 2.50+ media), extended allocation descriptors and ICB
// strategy 4096.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"

namespace mediaforge::udf {

struct UdfExtent {
  uint64_t offset = 0;   // byte offset in the image (unused when !recorded)
  uint64_t length = 0;   // bytes
  bool recorded = true;  // false: allocated or not, never written; reads as zeros
};

struct UdfEntry {
  enum class Type { kFile, kDirectory, kSymlink };
  std::string path;  // '/'-separated UTF-8, no leading slash; the root is not listed
  Type type = Type::kFile;
  uint64_t size = 0;               // information length
  int64_t mtime = 0;               // seconds since the epoch (UTC)
  std::vector<UdfExtent> extents;  // files: in order, adjacent ones merged, summing to size
  uint64_t file_entry_offset = 0;  // byte offset of its (Extended) File Entry
  bool sparse() const {
    for (const auto& e : extents) {
      if (!e.recorded) return true;
    }
    return false;
  }
};

struct UdfVolume {
  std::string volume_id;          // the Logical Volume Identifier (what Windows shows)
  uint32_t block_size = 0;        // bytes per logical block (= sector)
  std::vector<UdfEntry> entries;  // breadth first: parents before children, names sorted
};

struct UdfOpenOptions {
  size_t max_entries = 10'000'000;
};

// True when the Volume Recognition Sequence from byte 32768 holds NSR02 or NSR03.
bool HasUdfRecognition(device::Target& target);

absl::StatusOr<UdfVolume> OpenUdf(device::Target& target, const UdfOpenOptions& options = {});

// Copies a file's bytes (zeros for unrecorded extents) into `dest_path` (created or
// truncated).
absl::Status ExtractUdfFile(device::Target& target, const UdfEntry& entry,
                            const std::string& dest_path);

}  // namespace mediaforge::udf
