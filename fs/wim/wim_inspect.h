// What libwim says about one WIM file: how many images, its compression, whether its file data
// sits in solid resources (which wimlib cannot split), and its largest file (wimlib cannot
// split one file's data across parts, so a file larger than the part size makes a part larger
// than asked).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace mediaforge::wim {

struct WimInspection {
  uint32_t images = 0;
  std::string compression;  // "XPRESS", "LZX", "LZMS", "None"
  bool solid = false;
  uint64_t largest_blob_bytes = 0;  // uncompressed size of the largest file data
  // Filled only when asked (InspectWim's `name_file_larger_than`): "image N: \\path".
  std::string largest_file;
};

// Opens `path` with libwim (read only). `shown` names the WIM in messages. When the largest
// file data exceeds `name_file_larger_than`, the image directories are walked to name the file
// holding it (slower: loads every image's metadata).
absl::StatusOr<WimInspection> InspectWim(const std::string& path, const std::string& shown,
                                         uint64_t name_file_larger_than);

// libwim's error text for a wimlib error code, with the code.
std::string WimlibError(int code);

}  // namespace mediaforge::wim
