// What the station writes onto every stick: an image file (`station IMAGE`: raw or compressed,
// engine/image_source.h) or media built once from a `create` spec (`station --spec SPEC.json`:
// fs/media/builder.h, the USB output planned for a stick). Either is ready before the first
// stick is touched: every pre-flight check (spec, password sources, boot image, certificate,
// sizes) has passed and the content's SHA-256 for the records is known.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/station/stick_job.h"

namespace mediaforge::cli {

class StationImage {
 public:
  virtual ~StationImage() = default;
  // A fresh layout for each pass (a compressed image is a one-pass stream); thread-safe.
  virtual absl::StatusOr<engine::Layout> MakeLayout() const = 0;

  std::string path;    // the image file, or the spec (absolute for the records)
  uint64_t bytes = 0;  // content size (0: not known before decompressing)
  std::string sha256;  // of the content, as it lands on a stick
  std::string spec;    // --spec: the spec's path, its SHA-256 and the media's findings
  std::string spec_sha256;
  std::vector<std::string> findings;
  std::string description;  // "image.img" / "media \"LABEL\" from spec.json (MBR, 64 MiB)"
};

// `station IMAGE`: opens the image and hashes its content.
absl::StatusOr<std::unique_ptr<StationImage>> OpenStationImage(const std::string& path,
                                                               const std::atomic<bool>& cancel);

// `station --spec`: parses the spec (its output must be USB; its targets are not written), runs
// every check of `create`, plans the stick once (MBR/GPT + FAT32, as large as output.size or
// fitted to the content, old data on the stick wiped where the layout leaves gaps) and hashes it.
absl::StatusOr<std::unique_ptr<StationImage>> BuildStationMedia(const std::string& spec_path,
                                                                const std::atomic<bool>& cancel);

}  // namespace mediaforge::cli
