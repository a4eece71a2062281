#include "engine/layout_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "device/errors.h"

namespace mediaforge::engine {
namespace {
constexpr size_t kMaxOpenFiles = 8;
}

LayoutReader::LayoutReader(const Layout& layout)
    : layout_(layout), stream_pos_(layout.extents().size(), 0) {}

LayoutReader::~LayoutReader() {
  for (auto& f : open_files_) ::close(f.fd);
}

int LayoutReader::FileFd(const std::string& path, absl::Status* error) {
  for (auto& f : open_files_) {
    if (f.path == path) return f.fd;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = device::ErrnoError(errno, "open source", path, std::nullopt);
    return -1;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (open_files_.size() >= kMaxOpenFiles) {
    ::close(open_files_.front().fd);
    open_files_.erase(open_files_.begin());
  }
  open_files_.push_back({path, fd});
  return fd;
}

absl::Status LayoutReader::ReadFile(const FileRange& range, uint64_t file_offset,
                                    std::span<std::byte> out) {
  absl::Status error;
  int fd = FileFd(range.path, &error);
  if (fd < 0) {  // vanished since the plan saw it: say where its bytes were needed from
    return device::WithErrorOffset(
        absl::Status(error.code(),
                     absl::StrCat(error.message(), " (needed from byte offset ", file_offset, ")")),
        file_offset);
  }
  while (!out.empty()) {
    ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(file_offset));
    if (n < 0) {
      if (errno == EINTR) continue;
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
