#include "engine/layout_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "device/errors.h"

namespace mediaforge::engine {
namespace {
constexpr size_t kMaxOpenFiles = 8;
// O_DIRECT only pays for big sequential reads: small files stay on the page cache (the tree
// writers' prefetcher fills it), and reads below this size are not worth a second descriptor.
constexpr uint64_t kDirectMinFileSize = 16u << 20;
constexpr size_t kDirectMinRead = 256u << 10;
constexpr uint64_t kDirectAlign = 4096;

bool Aligned(uint64_t v) { return v % kDirectAlign == 0; }

}  // namespace

LayoutReader::LayoutReader(const Layout& layout, bool direct_reads)
    : layout_(layout),
      direct_reads_(direct_reads),
      page_size_(static_cast<size_t>(::sysconf(_SC_PAGESIZE))),
      stream_pos_(layout.extents().size(), 0) {}

LayoutReader::~LayoutReader() {
  for (auto& f : open_files_) Close(f);
}

void LayoutReader::Close(OpenFile& file) {
  ::close(file.fd);
  if (file.direct_fd >= 0) ::close(file.direct_fd);
  if (file.map != nullptr) ::munmap(file.map, file.map_size);
}

// mincore on the file's mapping, which is never touched, so nothing is read. Errors count as
// "not cached".
bool LayoutReader::Cached(OpenFile& file, uint64_t offset, size_t length) {
  if (!file.map_tried) {
    file.map_tried = true;
    const off_t end = ::lseek(file.fd, 0, SEEK_END);  // st_size is 0 for block devices
    if (end > 0) {
      void* map = ::mmap(nullptr, static_cast<size_t>(end), PROT_READ, MAP_SHARED, file.fd, 0);
      if (map != MAP_FAILED) {
        file.map = map;
        file.map_size = static_cast<size_t>(end);
      }
    }
  }
  const uint64_t start = offset / page_size_ * page_size_;
  if (file.map == nullptr || offset + length > file.map_size) return false;
  const size_t span = static_cast<size_t>(offset + length - start);
  resident_.resize((span + page_size_ - 1) / page_size_);
  if (::mincore(static_cast<std::byte*>(file.map) + start, span, resident_.data()) != 0) {
    return false;
  }
  for (unsigned char r : resident_) {
    if ((r & 1) == 0) return false;
  }
  return true;
}

LayoutReader::OpenFile* LayoutReader::File(const std::string& path, absl::Status* error) {
  for (auto& f : open_files_) {
    if (f.path == path) return &f;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = device::ErrnoError(errno, "open source", path, std::nullopt);
    return nullptr;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  bool direct = false;
  if (direct_reads_) {
    struct stat st;
    direct = ::fstat(fd, &st) == 0 &&
             (S_ISBLK(st.st_mode) ||
              (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) >= kDirectMinFileSize));
  }
  if (open_files_.size() >= kMaxOpenFiles) {
    Close(open_files_.front());
    open_files_.erase(open_files_.begin());
  }
  open_files_.push_back({path, fd, -1, direct});
  return &open_files_.back();
}

int LayoutReader::ReadFd(OpenFile& file, uint64_t file_offset, std::span<std::byte> out) {
  if (!file.direct || out.size() < kDirectMinRead || !Aligned(file_offset) ||
      !Aligned(out.size()) || !Aligned(reinterpret_cast<uintptr_t>(out.data())) ||
      Cached(file, file_offset, out.size())) {
    return file.fd;
  }
  if (file.direct_fd < 0) {
    file.direct_fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
    if (file.direct_fd < 0) {  // tmpfs and friends: the page cache it is
      file.direct = false;
      return file.fd;
    }
  }
  return file.direct_fd;
}

absl::Status LayoutReader::ReadFile(const FileRange& range, uint64_t file_offset,
                                    std::span<std::byte> out) {
  absl::Status error;
  OpenFile* file = File(range.path, &error);
  if (file == nullptr) {  // vanished since the plan saw it: say where its bytes were needed from
    return device::WithErrorOffset(
        absl::Status(error.code(),
                     absl::StrCat(error.message(), " (needed from byte offset ", file_offset, ")")),
        file_offset);
  }
  while (!out.empty()) {
    const int fd = ReadFd(*file, file_offset, out);
    ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(file_offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL && fd != file->fd) {  // the file system refused this O_DIRECT read
        file->direct = false;
        continue;
      }
      return device::ErrnoError(errno, "read source", range.path, file_offset);
    }
    if (n == 0) {
      return absl::DataLossError(absl::StrCat(range.path, ": source file ended at byte offset ",
                                              file_offset,
                                              " (it changed or shrank while being copied)"));
    }
    out = out.subspan(static_cast<size_t>(n));
    file_offset += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> LayoutReader::Fill(uint64_t offset, std::span<std::byte> out) {
  const auto& ext = layout_.extents();
  // Find the first extent that ends after `offset`, starting from the hint.
  if (hint_ >= ext.size() || ext[hint_].target_offset > offset) hint_ = 0;
  auto ends_after = [&](size_t i) {
    const Extent& e = ext[i];
    return e.length == Extent::kToEndOfStream || e.target_offset + e.length > offset;
  };
  size_t i = hint_;
  while (i < ext.size() && !ends_after(i)) ++i;
  if (i > hint_ + 64 || (i == ext.size() && hint_ != 0)) {
    // Far jump: binary search by end offset.
    auto it = std::upper_bound(ext.begin(), ext.end(), offset, [](uint64_t off, const Extent& e) {
      uint64_t end = e.length == Extent::kToEndOfStream ? UINT64_MAX : e.target_offset + e.length;
      return off < end;
    });
    i = static_cast<size_t>(it - ext.begin());
  }

  size_t filled = 0;
  while (filled < out.size()) {
    uint64_t pos = offset + filled;
    std::span<std::byte> rest = out.subspan(filled);
    if (i >= ext.size() || ext[i].target_offset >= pos + rest.size()) {
      std::memset(rest.data(), 0, rest.size());  // gap to the end of the request
      filled = out.size();
      break;
    }
    const Extent& e = ext[i];
    if (e.target_offset > pos) {  // gap before this extent
      size_t gap = static_cast<size_t>(e.target_offset - pos);
      std::memset(rest.data(), 0, gap);
      filled += gap;
      continue;
    }
    uint64_t in_extent = pos - e.target_offset;
    uint64_t avail = e.length == Extent::kToEndOfStream ? UINT64_MAX : e.length - in_extent;
    size_t n = static_cast<size_t>(std::min<uint64_t>(avail, rest.size()));
    std::span<std::byte> piece = rest.first(n);
    if (std::holds_alternative<ZeroFill>(e.source)) {
      std::memset(piece.data(), 0, n);
    } else if (const auto* m = std::get_if<MemoryBytes>(&e.source)) {
      std::memcpy(piece.data(), m->data->data() + m->offset + in_extent, n);
    } else if (const auto* f = std::get_if<FileRange>(&e.source)) {
      if (auto s = ReadFile(*f, f->offset + in_extent, piece); !s.ok()) return s;
    } else {
      const auto& st = std::get<Stream>(e.source);
      if (stream_pos_[i] > in_extent) {
        return absl::InternalError(
            absl::StrCat(st.stream->name(), ": stream read out of order at byte offset ", pos));
      }
      // Forward jumps (verifying one block of a compressed image) read and discard.
      while (stream_pos_[i] < in_extent) {
        size_t skip = static_cast<size_t>(std::min<uint64_t>(in_extent - stream_pos_[i], n));
        auto r = st.stream->Read(piece.first(skip));
        if (!r.ok()) return r.status();
        if (*r == 0) {
          return absl::DataLossError(
              absl::StrCat(st.stream->name(), ": stream ended after ", stream_pos_[i], " bytes"));
        }
        stream_pos_[i] += *r;
      }
      size_t got = 0;
      while (got < n) {
        auto r = st.stream->Read(piece.subspan(got));
        if (!r.ok()) return r.status();
        if (*r == 0) break;
        got += *r;
      }
      stream_pos_[i] += got;
      if (got < n) {
        if (e.length != Extent::kToEndOfStream) {
          return absl::DataLossError(absl::StrCat(st.stream->name(),
                                                  ": stream ended at byte offset ", stream_pos_[i],
                                                  ", ", e.length, " bytes were expected"));
        }
        hint_ = i;
        return filled + got;  // end of an unknown-length stream
      }
    }
    filled += n;
    if (e.length != Extent::kToEndOfStream && in_extent + n == e.length) ++i;
  }
  hint_ = i < ext.size() ? i : (ext.empty() ? 0 : ext.size() - 1);
  return filled;
}

}  // namespace mediaforge::engine
