// The media manifest taken while the media stream, instead of a read pass of its own (issue
// 10: `create` may cost at most 1.1x `iso`). The planners say where every listed file's bytes
// lie on the output; the engine shows each written chunk in target order (JobOptions::observe),
// and each file's SHA-256 is fed from the chunks that cover it. The manifest file itself is
// planned with a placeholder of the exact size (fixed-width lines, manifest.h) and its real
// bytes are written over it once the stream has passed every file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/sha256.h"

namespace mediaforge::media {

// Where a file's bytes lie on the output.
struct ManifestFile {
  std::string path;     // relative to the media root
  size_t volume = 0;    // ISO set: the volume's index; USB: 0
  uint64_t offset = 0;  // byte offset in that volume (target offset)
  uint64_t size = 0;
};

// The manifest text with a placeholder digest per path: the real one's exact size.
std::string PlaceholderManifest(const std::vector<std::string>& paths);

class StreamedManifest {
 public:
  // `files`: what the manifest lists, in its order. Files sharing a place (hard links) share
  // one digest.
  explicit StreamedManifest(const std::vector<ManifestFile>& files);
  ~StreamedManifest();

  // The observer: `bytes` of volume `volume` at `offset`; called in target order per volume,
  // from one thread at a time.
  void Observe(size_t volume, uint64_t offset, std::span<const std::byte> bytes);

  // The manifest text once the stream has ended; an error names a file whose bytes did not
  // all pass, in order.
  absl::StatusOr<std::string> Text();

 private:
  struct Place {
    size_t volume = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t fed = 0;     // bytes hashed so far, from the start of the file
    bool broken = false;  // a piece was skipped or came out of order
    std::unique_ptr<device::Sha256> sha;
    std::string hex;
  };
  std::vector<std::string> paths_;
  std::vector<size_t> place_of_;                // per listed file
  std::vector<Place> places_;                   // distinct places
  std::vector<std::vector<size_t>> by_volume_;  // place indices by offset, per volume
  std::vector<size_t> cursor_;                  // per volume: first place not behind the stream
};

}  // namespace mediaforge::media
