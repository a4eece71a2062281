#include "fs/fat32/source_prefetch.h"

#include <fcntl.h>
#include <unistd.h>

#include <variant>

namespace mediaforge::fat32 {

SourcePrefetcher::SourcePrefetcher(const engine::Layout& layout, uint64_t window_bytes)
    : layout_(layout), window_(window_bytes), thread_([this] { Run(); }) {}

SourcePrefetcher::~SourcePrefetcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void SourcePrefetcher::Progress(uint64_t bytes_done) {
  {
    std::lock_guard lock(mu_);
    done_ = bytes_done;
  }
  cv_.notify_all();
}

void SourcePrefetcher::Run() {
  uint64_t position = 0;  // described bytes before the current extent (what the copy counts)
  for (const engine::Extent& e : layout_.extents()) {
    if (e.length == engine::Extent::kToEndOfStream) break;
    const auto* file = std::get_if<engine::FileRange>(&e.source);
    if (file != nullptr) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || position < done_ + window_; });
      if (stop_) return;
      lock.unlock();
      const int fd = ::open(file->path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {  // errors are the copy's to report
        ::posix_fadvise(fd, static_cast<off_t>(file->offset), static_cast<off_t>(e.length),
                        POSIX_FADV_WILLNEED);
        ::close(fd);
      }
    }
    position += e.length;
  }
}

}  // namespace mediaforge::fat32
