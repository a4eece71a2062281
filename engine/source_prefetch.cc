#include "engine/source_prefetch.h"

#include <fcntl.h>
#include <unistd.h>

#include <variant>

namespace mediaforge::engine {

SourcePrefetcher::SourcePrefetcher(const Layout& layout, uint64_t window_bytes, int threads)
    : window_(window_bytes) {
  uint64_t position = 0;
  for (const Extent& e : layout.extents()) {
    if (e.length == Extent::kToEndOfStream) break;
    if (const auto* f = std::get_if<FileRange>(&e.source)) {
      items_.push_back({&f->path, f->offset, e.length, position});
    }
    position += e.length;
  }
  for (int i = 0; i < threads && !items_.empty(); ++i) threads_.emplace_back([this] { Run(); });
}

SourcePrefetcher::~SourcePrefetcher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void SourcePrefetcher::Progress(uint64_t bytes_done) {
  {
    std::lock_guard lock(mu_);
    done_ = bytes_done;
  }
  cv_.notify_all();
}

void SourcePrefetcher::Run() {
  for (size_t i = next_++; i < items_.size(); i = next_++) {
    const Item& item = items_[i];
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || item.position < done_ + window_; });
      if (stop_) return;
    }
    const int fd = ::open(item.path->c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {  // errors are the copy's to report
      ::posix_fadvise(fd, static_cast<off_t>(item.offset), static_cast<off_t>(item.length),
                      POSIX_FADV_WILLNEED);
      ::close(fd);
    }
  }
}

}  // namespace mediaforge::engine
