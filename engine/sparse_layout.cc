#include "engine/sparse_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "device/errors.h"
#include "device/write_zeroes.h"

namespace mediaforge::engine {

absl::StatusOr<std::vector<ByteRange>> DataRanges(const std::string& path, uint64_t align) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return device::ErrnoError(errno, "open image", path, std::nullopt);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return device::ErrnoError(errno, "stat", path, std::nullopt);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::vector<ByteRange> ranges;
  uint64_t pos = 0;
  while (pos < size) {
    off_t data = ::lseek(fd, static_cast<off_t>(pos), SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole remains
      return device::ErrnoError(errno, "SEEK_DATA in", path, pos);
    }
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) return device::ErrnoError(errno, "SEEK_HOLE in", path, data);
    uint64_t start = static_cast<uint64_t>(data) / align * align;
    uint64_t end = std::min(size, (static_cast<uint64_t>(hole) + align - 1) / align * align);
    if (!ranges.empty() && start <= ranges.back().offset + ranges.back().length) {
      ranges.back().length =
          std::max(ranges.back().offset + ranges.back().length, end) - ranges.back().offset;
    } else {
      ranges.push_back({start, end - start});
    }
    pos = static_cast<uint64_t>(hole);
  }
  return ranges;
}

absl::StatusOr<Layout> MakeSparseRawLayout(const std::string& path, uint64_t align) {
  auto ranges = DataRanges(path, align);
  if (!ranges.ok()) return ranges.status();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return device::ErrnoError(errno, "stat", path, std::nullopt);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  Layout layout(size);
  uint64_t pos = 0;
  for (const ByteRange& r : *ranges) {
    layout.AddZeros(pos, r.offset - pos);
    layout.AddFileRange(r.offset, path, r.offset, r.length);
    pos = r.offset + r.length;
  }
  layout.AddZeros(pos, size - pos);
  if (auto s = layout.Finalize(); !s.ok()) return s;
  return layout;
}

absl::StatusOr<uint64_t> ZeroOutZeroExtents(const Layout& layout, device::Target& target) {
  uint64_t zeroed = 0;
  for (const Extent& e : layout.extents()) {
    if (!std::holds_alternative<ZeroFill>(e.source)) continue;
    if (auto s = device::ZeroOut(target, e.target_offset, e.length); !s.ok()) return s;
    zeroed += e.length;
  }
  if (auto s = target.Flush(); !s.ok()) return s;
  return zeroed;
}

}  // namespace mediaforge::engine
