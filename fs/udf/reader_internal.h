// Shared by the UDF reader's two halves: volume_descriptors.cc (recognition, anchor, volume
// descriptor sequence, logical volume, file set) and file_tree.cc (file entries, allocation
// descriptors, directories). Not part of the public API (udf.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "fs/common/image_reader.h"
#include "fs/udf/on_disk.h"

namespace mediaforge::udf::internal {

// Bounds-checked reads (fs/common/image_reader.h, shared with fs/iso9660).
using ImageReader = common::ImageReader;
inline constexpr uint64_t kMaxLoad = ImageReader::kDefaultMaxLoad;

// Copies a struct out of a byte buffer at `at`; the caller has checked the bounds.
template <typename T>
T StructAt(std::span<const std::byte> bytes, size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

// One physical partition a type-1 partition map names (3/10.7.2, 3/10.5).
struct Partition {
  uint16_t number = 0;
  uint32_t start_sector = 0;
  uint32_t length_blocks = 0;
};

// What the volume descriptors and the file set say: enough to turn an lb_addr into a byte.
struct LogicalVolume {
  uint32_t block_size = 0;
  std::string volume_id;
  // Indexed by partition reference number; nullopt for a map type this reader does not read.
  std::vector<std::optional<Partition>> maps;
  std::vector<uint8_t> map_types;
  LongAd root_directory_icb{};

  // Byte offset of `length` bytes at block `block` of partition reference `ref`; an error
  // (naming `what`) when the map is missing or unsupported or the bytes leave the partition.
  absl::StatusOr<uint64_t> ByteOffset(uint16_t ref, uint32_t block, uint64_t length,
                                      const std::string& what) const;
};

// Recognition sequence, anchor, volume descriptor sequence, file set descriptor.
absl::StatusOr<LogicalVolume> ReadLogicalVolume(ImageReader& reader);

// A Timestamp (1/7.3) as seconds since the epoch, UTC.
int64_t ToUnixTime(const Timestamp& t);

}  // namespace mediaforge::udf::internal
