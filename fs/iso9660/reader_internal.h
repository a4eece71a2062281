// Building blocks shared by the reader (iso_reader.cc) and the checker (iso_checker.cc,
// system_area_check.cc): bounds-checked reads, the volume descriptor set, the directory tree walk
// with Rock Ridge, and the El Torito catalog. Not part of the public API (iso9660.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "fs/common/image_reader.h"
#include "fs/iso9660/iso9660.h"
#include "fs/iso9660/on_disk.h"

namespace mediaforge::iso9660::internal {

// Largest structure the reader loads in one piece (a directory, a path table).
inline constexpr uint64_t kMaxLoad = 64ull << 20;

// Bounds-checked reads (fs/common/image_reader.h, shared with fs/udf).
using ImageReader = common::ImageReader;

template <typename T>
std::optional<T> ReadStruct(ImageReader& reader, uint64_t offset) {
  T value;
  if (!reader.Read(offset, std::as_writable_bytes(std::span(&value, 1))).ok()) return std::nullopt;
  return value;
}

struct DescriptorSet {
  std::optional<PrimaryVolumeDescriptor> primary;
  uint64_t primary_offset = 0;
  std::optional<SupplementaryVolumeDescriptor> joliet;
  uint64_t joliet_offset = 0;
  std::optional<BootRecordVolumeDescriptor> boot;
  uint64_t boot_offset = 0;
  bool terminated = false;
};
DescriptorSet ReadDescriptors(ImageReader& reader, std::vector<Problem>& problems);

// Root directory record fields from a volume descriptor.
struct RootLocation {
  uint32_t lba = 0;
  uint32_t bytes = 0;
};
std::optional<RootLocation> RootOf(const PrimaryVolumeDescriptor& d, uint64_t d_offset,
                                   std::vector<Problem>& problems, const std::string& where);

struct WalkedDirectory {
  uint32_t lba = 0;
  uint32_t bytes = 0;
  size_t parent = 0;       // index in the walk's directory list (the root's is 0)
  std::string identifier;  // raw on-disk identifier ("\0" for the root)
  std::string path;
};

struct WalkParams {
  RootLocation root;
  bool joliet = false;
  bool rock_ridge = false;  // decode Rock Ridge (the walk detects SP in the root)
  uint32_t volume_blocks = 0;
  size_t max_entries = 10'000'000;
  bool strict = false;    // also report sort order and parent/self record problems
  std::string tree_name;  // "ISO9660 tree" / "Joliet tree" for messages
};

struct TreeWalk {
  std::vector<IsoEntry> entries;
  std::vector<WalkedDirectory> directories;  // breadth first: path table order
  bool rock_ridge = false;                   // SP found and entries decoded
};
TreeWalk WalkTree(ImageReader& reader, const WalkParams& params, std::vector<Problem>& problems);

// The catalog's entries; every structural problem is reported.
std::vector<ElToritoBootEntry> ReadBootCatalog(ImageReader& reader, uint32_t catalog_lba,
                                               uint32_t volume_blocks,
                                               std::vector<Problem>& problems);

// Hybrid MBR / GPT consistency (system_area_check.cc).
void CheckSystemArea(ImageReader& reader, uint32_t volume_blocks,
                     const std::vector<ElToritoBootEntry>& boot_entries,
                     std::vector<Problem>& problems);

int64_t ToUnixTime(const RecordingDateTime& t);
std::string Hex(uint64_t v);

}  // namespace mediaforge::iso9660::internal
