// The staging area of one `create` run: a private directory (0700) under the spec's
// staging_dir, $TMPDIR or /var/tmp, holding the generated files and an extracted .iso boot
// image; removed with everything in it when the run ends, whatever happened.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace mediaforge::media {

class StagingArea {
 public:
  // `base` empty: $TMPDIR, else /var/tmp. Fails when `base` has less than `needed_bytes` free.
  static absl::StatusOr<std::unique_ptr<StagingArea>> Create(const std::string& base,
                                                             uint64_t needed_bytes);
  ~StagingArea();
  const std::string& path() const { return path_; }
  // Writes `content` to `relative` (directories created), mode 0644 inside the 0700 directory.
  absl::StatusOr<std::string> WriteFile(const std::string& relative, const std::string& content);

 private:
  explicit StagingArea(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace mediaforge::media
