// Opens a TARGET for writing the way every destructive command must: a block device directly
// (O_DIRECT, O_EXCL); an image file as PATH.partial, renamed over PATH only by Commit(), so an
// existing PATH survives any failure and no half-written image is left behind.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "device/target.h"

namespace mediaforge::cli {

class OutputTarget {
 public:
  static absl::StatusOr<std::unique_ptr<OutputTarget>> Open(const std::string& path);
  ~OutputTarget();

  device::Target& target() { return *target_; }
  bool is_file() const { return is_file_; }
  const std::string& path() const { return path_; }
  // Image files: close and rename PATH.partial over PATH. Block devices: nothing to do.
  absl::Status Commit();
  // Error messages name the temporary file; users should see their own path.
  std::string UserMessage(absl::string_view message) const;

 private:
  OutputTarget() = default;
  std::string path_, write_path_;
  bool is_file_ = false;
  bool committed_ = false;
  std::unique_ptr<device::Target> target_;
};

}  // namespace mediaforge::cli
