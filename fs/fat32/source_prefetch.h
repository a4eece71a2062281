// Reads the source files of a layout into the page cache ahead of the copy. The engine reads
// file ranges one after another, so on a cold cache a tree of many small files streams at one
// file's read-ahead at a time; this thread asks the kernel for the next files early
// (POSIX_FADV_WILLNEED), staying at most `window_bytes` ahead of the copy. (Generic: it could
// move to engine/ when other writers want it.)
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/layout.h"

namespace mediaforge::fat32 {

class SourcePrefetcher {
 public:
  // Starts at once; `layout` must outlive the prefetcher.
  explicit SourcePrefetcher(const engine::Layout& layout, uint64_t window_bytes = 1ull << 30);
  ~SourcePrefetcher();  // stops and joins
  SourcePrefetcher(const SourcePrefetcher&) = delete;
  SourcePrefetcher& operator=(const SourcePrefetcher&) = delete;

  // Bytes of the layout the copy has streamed so far (from CopyOptions::progress).
  void Progress(uint64_t bytes_done);

 private:
  void Run();

  const engine::Layout& layout_;
  const uint64_t window_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t done_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace mediaforge::fat32
