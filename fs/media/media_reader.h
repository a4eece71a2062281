// Reading mediaforge media back without mounting: an ISO image (or a hybrid ISO on a stick), a
// FAT volume over the whole device, or the first FAT partition of an MBR/GPT disk - through the
// project's own readers (fs/iso9660, fs/fat32) on a device::Target.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "device/target.h"

namespace mediaforge::media {

class MediaFiles {
 public:
  virtual ~MediaFiles() = default;
  // Finds the media's file system on `target` (which must outlive the result).
  static absl::StatusOr<std::unique_ptr<MediaFiles>> Open(device::Target& target);

  // "ISO9660 volume", "FAT32 volume at byte 1048576"
  virtual std::string Describe() const = 0;
  virtual bool Exists(const std::string& path) = 0;
  // A whole (small) file; NotFound when absent, OutOfRange above `max_bytes`.
  virtual absl::StatusOr<std::string> Read(const std::string& path, uint64_t max_bytes) = 0;
  // SHA-256 hex of a file, streamed.
  virtual absl::StatusOr<std::string> Sha256(const std::string& path) = 0;
};

}  // namespace mediaforge::media
