// Bounds-checked reads of a file system image through a device::Target, shared by the readers
// of fs/iso9660 and fs/udf: a read that leaves the image, or a structure larger than the
// reader will load in one piece, is an error naming the image and the byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"

namespace mediaforge::common {

class ImageReader {
 public:
  // Largest structure loaded in one piece by default (a directory, a path table).
  static constexpr uint64_t kDefaultMaxLoad = 64ull << 20;

  explicit ImageReader(device::Target& target, uint64_t max_load = kDefaultMaxLoad)
      : target_(target), size_(target.size()), max_load_(max_load) {}
  uint64_t size() const { return size_; }
  const std::string& path() const { return target_.path(); }
  device::Target& target() { return target_; }
  // Reads exactly out.size() bytes at `offset`.
  absl::Status Read(uint64_t offset, std::span<std::byte> out);
  // Reads `length` (at most the maximum load) bytes at `offset`.
  absl::StatusOr<std::vector<std::byte>> ReadRange(uint64_t offset, uint64_t length);

 private:
  device::Target& target_;
  uint64_t size_;
  uint64_t max_load_;
};

}  // namespace mediaforge::common
