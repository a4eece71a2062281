// The media manifest taken while the media stream, instead of a read pass of its own (issue
// 10: `create` may cost at most 1.1x `iso`). The planners say where every listed file's bytes
// lie on the output; the engine shows each written chunk (JobOptions::observe) on its fill
// workers, several at once and in any order, and each file's SHA-256 is fed from the chunks that
// cover it, in the file's order: a chunk first hashes the files that start in it (nothing to
// wait for), then the one file that began in an earlier chunk, waiting if need be until that
// chunk's worker has hashed the file's earlier bytes. The manifest file itself is
// planned with a placeholder of the exact size (fixed-width lines, manifest.h) and its real
// bytes are written over it once the stream has passed every file.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
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

  // The observer: the chunk [offset, offset + length) of volume `volume`, whose first
  // bytes.size() bytes are `bytes` (fewer than `length`: the rest never comes, and the files
  // there cannot be hashed). Thread-safe; chunks in any order as CopyOptions::observe promises
  // (a call may wait for an earlier chunk's call to hash a file's earlier bytes).
  void Observe(size_t volume, uint64_t offset, uint64_t length, std::span<const std::byte> bytes);
  // A chunk read whole (length = bytes.size()).
  void Observe(size_t volume, uint64_t offset, std::span<const std::byte> bytes) {
    Observe(volume, offset, bytes.size(), bytes);
  }

  // The digest of the listed file `path` from `bytes`, its real content: a file planned as a
  // placeholder and written over once the stream has passed (pending_secret_files.h). An error
  // when `path` is not listed or `bytes` is not its planned size.
  absl::Status Replace(const std::string& path, std::span<const std::byte> bytes);

  // The manifest text once the stream has ended; an error names a file whose bytes did not
  // all pass, in order.
  absl::StatusOr<std::string> Text();

 private:
  struct Place {
    size_t volume = 0;
    uint64_t offset = 0;
    uint64_t size = 0;
    uint64_t fed = 0;     // bytes hashed so far, from the start of the file (guarded by mu_)
    bool broken = false;  // a piece was lost or came twice (guarded by mu_)
    std::unique_ptr<device::Sha256> sha;
    std::string hex;
  };
  // Hashes the piece [from, to) of place `index` from `chunk` (which starts at `chunk_offset`)
  // once the place's bytes before `from` are hashed.
  void Feed(size_t index, uint64_t from, uint64_t to, uint64_t chunk_offset,
            std::span<const std::byte> chunk);

  std::vector<std::string> paths_;
  std::vector<size_t> place_of_;                // per listed file
  std::vector<Place> places_;                   // distinct places
  std::vector<std::vector<size_t>> by_volume_;  // place indices by offset, per volume
  std::vector<std::vector<uint64_t>> end_max_;  // per volume: the furthest end up to each index
  std::mutex mu_;
  std::condition_variable fed_;  // a place's `fed` or `broken` changed
};

}  // namespace mediaforge::media
