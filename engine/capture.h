// Capture: a device (or file) read into an image file through the same job as every write: an
// image-file Destination (replaced only when complete; an existing IMAGE survives a failure),
// sparse where whole 4 KiB pages read zero, SHA-256 computed beside the copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "engine/job.h"

namespace mediaforge::engine {

struct CaptureReport {
  std::string image;
  uint64_t bytes = 0;
  uint64_t allocated_bytes = 0;  // what the sparse image really occupies on disk
  double seconds = 0;
  std::string sha256;
};

// `options.sha256` and `options.sparse` are always on. `image_path` must be an image file;
// `destination` is how it is opened (DestinationOptions::wrap: fault injection in tests).
absl::StatusOr<CaptureReport> Capture(device::Target& source, const std::string& image_path,
                                      JobOptions options,
                                      const DestinationOptions& destination = {});

// A Target read front to back as an InputStream (for capture and streaming a device).
std::shared_ptr<InputStream> TargetStream(device::Target& source);

}  // namespace mediaforge::engine
