// Opens an image for streaming: raw, or gzip/xz/zstd decompressed on the fly (detected by magic
// bytes, not by the name). The uncompressed size is known for raw files, for xz (from its index)
// and for zstd (from frame headers, when every frame records it); gzip records it only modulo
// 4 GiB, so it counts as unknown and the write fails cleanly, naming the offset, if the target
// runs out.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/layout.h"

namespace mediaforge::engine {

enum class Compression { kNone, kGzip, kXz, kZstd };
const char* CompressionName(Compression c);

struct ImageSource {
  std::string path;
  Compression compression = Compression::kNone;
  uint64_t compressed_size = 0;  // size of the file itself
  std::optional<uint64_t> size;  // uncompressed size, when known
  // A layout at offset 0: one file range for raw images, one stream extent otherwise. Each call
  // opens a fresh decoder, so a layout can be made again for verification.
  absl::StatusOr<Layout> MakeLayout() const;
};

absl::StatusOr<ImageSource> OpenImageSource(const std::string& path);

// A decoder over `path` (exposed for tests and for capture of compressed images).
absl::StatusOr<std::shared_ptr<InputStream>> OpenDecompressor(const std::string& path,
                                                              Compression compression);

}  // namespace mediaforge::engine
