// Materializes the bytes a layout describes for a range of target offsets: copies memory
// extents, reads file ranges (keeping the last few files open), pulls streams, zero-fills.
// Not thread-safe; each reading thread owns one.
//
// With `direct_reads`, aligned reads of large files whose pages are not in the page cache go
// O_DIRECT straight into the caller's (aligned) buffer: no page-cache copy, no read-ahead
// guessing, and several readers keep several reads in flight on the device (issue 16). Pages
// already cached (a warm image, a tree the prefetcher asked for) are still copied from the
// cache, which is faster than reading them again.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/layout.h"

namespace mediaforge::engine {

class LayoutReader {
 public:
  explicit LayoutReader(const Layout& layout, bool direct_reads = false);
  ~LayoutReader();
  LayoutReader(const LayoutReader&) = delete;
  LayoutReader& operator=(const LayoutReader&) = delete;

  // Fills `out` with the content of target bytes [offset, offset + out.size()). Bytes not
  // covered by any extent read as zeros. Stream extents must be read in order. Returns how many
  // bytes were filled: less than out.size() only when a stream of unknown length ended.
  absl::StatusOr<size_t> Fill(uint64_t offset, std::span<std::byte> out);

 private:
  struct OpenFile {
    std::string path;
    int fd = -1;
    int direct_fd = -1;   // O_DIRECT descriptor, opened on first use
    bool direct = false;  // large enough and the file system takes O_DIRECT
    // The whole file mapped once and never touched: mincore's view of its page cache, asked
    // before each direct read (mapping per read cost an mmap + munmap and a TLB shootdown).
    void* map = nullptr;
    size_t map_size = 0;
    bool map_tried = false;
  };
  absl::Status ReadFile(const FileRange& range, uint64_t file_offset, std::span<std::byte> out);
  OpenFile* File(const std::string& path, absl::Status* error);
  // The descriptor for reading `out` at `file_offset`: O_DIRECT when aligned and not cached.
  int ReadFd(OpenFile& file, uint64_t file_offset, std::span<std::byte> out);
  // True when every page of [offset, offset + length) of `file` is in the page cache.
  bool Cached(OpenFile& file, uint64_t offset, size_t length);
  static void Close(OpenFile& file);

  const Layout& layout_;
  const bool direct_reads_;
  size_t hint_ = 0;  // index of the extent the last Fill ended in (reads are mostly forward)
  std::vector<OpenFile> open_files_;
  const size_t page_size_;
  std::vector<unsigned char> resident_;  // mincore's answer, reused across reads
  // Stream extents: how far into each stream we have read, per extent index.
  std::vector<uint64_t> stream_pos_;
};

}  // namespace mediaforge::engine
