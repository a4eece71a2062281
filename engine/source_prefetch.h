// Reads the source files of a layout into the page cache ahead of the copy. The engine reads
// file ranges one after another, so on a cold cache a tree of many small files streams at one
// file's read-ahead at a time; this thread asks the kernel for the next files early
// (POSIX_FADV_WILLNEED, from a few threads so the device sees a deep queue), staying at most
// `window_bytes` ahead of the copy. RunJob runs one when JobOptions::prefetch is set.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/layout.h"

namespace mediaforge::engine {

class SourcePrefetcher {
 public:
  // Starts at once; `layout` must outlive the prefetcher.
  explicit SourcePrefetcher(const Layout& layout, uint64_t window_bytes = 1ull << 30,
                            int threads = 2);
  ~SourcePrefetcher();  // stops and joins
  SourcePrefetcher(const SourcePrefetcher&) = delete;
  SourcePrefetcher& operator=(const SourcePrefetcher&) = delete;

  // Bytes of the layout the copy has streamed so far (from CopyOptions::progress).
  void Progress(uint64_t bytes_done);

 private:
  struct Item {
    const std::string* path;
    uint64_t offset, length;
    uint64_t position;  // described bytes of the layout before it
  };
  void Run();

  const uint64_t window_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t done_ = 0;
  bool stop_ = false;
  std::vector<Item> items_;
  std::atomic<size_t> next_{0};
  std::vector<std::thread> threads_;
};

}  // namespace mediaforge::engine
