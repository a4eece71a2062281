// A layout is what every writer (raw image, FAT, ISO, USB) plans instead of writing bytes: an
// ordered list of extents at target offsets, each "these bytes", "this range of that file",
// "this stream" or "zeros". The engine streams any layout to one or many targets, hashing as it
// goes; verify re-reads the same layout. Gaps between extents are left untouched on the target
// (on a fresh image file they read as zeros).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mediaforge::engine {

// A sequential byte source of possibly unknown length (a decompressor, a pipe).
class InputStream {
 public:
  virtual ~InputStream() = default;
  // Fills up to out.size() bytes; returns 0 only at the end of the stream.
  virtual absl::StatusOr<size_t> Read(std::span<std::byte> out) = 0;
  // A name for messages (usually the file path).
  virtual const std::string& name() const = 0;
};

struct ZeroFill {};

struct MemoryBytes {
  std::shared_ptr<const std::vector<std::byte>> data;
  uint64_t offset = 0;  // where this extent starts inside *data
};

struct FileRange {
  std::string path;
  uint64_t offset = 0;  // where this extent starts inside the file
};

struct Stream {
  std::shared_ptr<InputStream> stream;  // read sequentially from its current position
};

struct Extent {
  // Length of an extent whose stream runs until it ends (only the last extent may have it).
  static constexpr uint64_t kToEndOfStream = UINT64_MAX;

  uint64_t target_offset = 0;
  uint64_t length = 0;
  std::variant<ZeroFill, MemoryBytes, FileRange, Stream> source;
};

class Layout {
 public:
  Layout() = default;
  explicit Layout(uint64_t total_size) : total_size_(total_size) {}

  // Size of the finished target (image files are resized to it; a device must hold it).
  uint64_t total_size() const { return total_size_; }
  void set_total_size(uint64_t size) { total_size_ = size; }

  void AddBytes(uint64_t target_offset, std::vector<std::byte> bytes);
  void AddBytes(uint64_t target_offset, std::shared_ptr<const std::vector<std::byte>> bytes,
                uint64_t offset, uint64_t length);
  void AddFileRange(uint64_t target_offset, std::string path, uint64_t file_offset,
                    uint64_t length);
  void AddZeros(uint64_t target_offset, uint64_t length);
  void AddStream(uint64_t target_offset, std::shared_ptr<InputStream> stream,
                 uint64_t length = Extent::kToEndOfStream);
  void Add(Extent extent) { extents_.push_back(std::move(extent)); }

  // Sorts extents by target offset (stable), then checks that none overlap and all lie within
  // total_size(). Call once planning is done; the engine requires a finalized layout.
  absl::Status Finalize();

  const std::vector<Extent>& extents() const { return extents_; }

 private:
  uint64_t total_size_ = 0;
  std::vector<Extent> extents_;
};

}  // namespace mediaforge::engine
