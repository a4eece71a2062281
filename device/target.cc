#include "device/target.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "device/errors.h"
#include "device/failing_sector.h"

namespace mediaforge::device {
namespace {

class FdTarget final : public Target {
 public:
  // `fd` is O_DIRECT when `direct`; then `buffered_fd` (same file, no O_DIRECT) takes the I/O
  // that is not aligned, so callers may read and write at any offset.
  FdTarget(std::string path, int fd, int buffered_fd, bool block, bool direct, uint64_t size,
           uint32_t lss, uint32_t pss)
      : path_(std::move(path)),
        fd_(fd),
        buffered_fd_(buffered_fd),
        block_(block),
        direct_(direct),
        size_(size),
        logical_(lss),
        physical_(pss) {}
  ~FdTarget() override {
    ::close(fd_);
    if (buffered_fd_ >= 0) ::close(buffered_fd_);
  }

  const std::string& path() const override { return path_; }
  uint64_t size() const override {
    if (block_) return size_;
    struct stat st;
    return ::fstat(fd_, &st) == 0 ? static_cast<uint64_t>(st.st_size) : size_;
  }
  uint32_t logical_sector_size() const override { return logical_; }
  uint32_t physical_sector_size() const override { return physical_; }
  bool is_block_device() const override { return block_; }
  bool direct() const override { return direct_; }
  int native_fd() const override { return fd_; }

  absl::StatusOr<size_t> WriteAt(std::span<const std::byte> data, uint64_t offset) override {
    for (;;) {
      ssize_t n = ::pwrite(FdFor(data.data(), data.size(), offset), data.data(), data.size(),
                           static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write", path_, offset);
    }
  }
  absl::StatusOr<size_t> ReadAt(std::span<std::byte> data, uint64_t offset) override {
    for (;;) {
      ssize_t n = ::pread(FdFor(data.data(), data.size(), offset), data.data(), data.size(),
                          static_cast<off_t>(offset));
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      return ErrnoError(errno, "read", path_, offset);
    }
  }
  absl::Status Resize(uint64_t size) override {
    if (block_) {
      if (size > size_) {
        return absl::OutOfRangeError(
            absl::StrCat(path_, ": device holds ", size_, " bytes, ", size, " are needed"));
      }
      return absl::OkStatus();
    }
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoError(errno, "resize", path_, size);
    }
    return absl::OkStatus();
  }
  absl::Status Flush() override {
    if (::fdatasync(fd_) != 0) return ErrnoError(errno, "flush (fdatasync)", path_, size());
    if (block_ && ::ioctl(fd_, BLKFLSBUF, 0) != 0) {
      return ErrnoError(errno, "flush (BLKFLSBUF)", path_, size());
    }
    return absl::OkStatus();
  }
  absl::Status DropCache() override {
    if (::fdatasync(fd_) != 0) return ErrnoError(errno, "fdatasync", path_, 0);
    if (block_) {
      if (::ioctl(fd_, BLKFLSBUF, 0) != 0) return ErrnoError(errno, "BLKFLSBUF", path_, 0);
      return absl::OkStatus();
    }
    int rc = ::posix_fadvise(buffered_fd_ >= 0 ? buffered_fd_ : fd_, 0, 0, POSIX_FADV_DONTNEED);
    if (rc != 0) return ErrnoError(rc, "posix_fadvise(DONTNEED)", path_, 0);
    return absl::OkStatus();
  }

 private:
  int FdFor(const void* p, size_t len, uint64_t offset) const {
    if (!direct_) return fd_;
    uint64_t a = logical_;
    bool aligned = reinterpret_cast<uintptr_t>(p) % a == 0 && len % a == 0 && offset % a == 0;
    return aligned ? fd_ : buffered_fd_;
  }

  std::string path_;
  int fd_;
  int buffered_fd_;
  bool block_;
  bool direct_;
  uint64_t size_;
  uint32_t logical_;
  uint32_t physical_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> OpenTarget(const std::string& path,
                                                   const OpenOptions& options) {
  const std::string& shown = options.name.empty() ? path : options.name;
  struct stat st;
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && (errno != ENOENT || !options.create)) {
    return ErrnoError(errno, "open", shown, std::nullopt);
  }
  if (exists && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(shown, ": is a directory, not a block device or image file"));
  }
  bool block = exists && S_ISBLK(st.st_mode);
  if (exists && !block && !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(shown, ": not a block device or regular file"));
  }

  int flags = O_CLOEXEC | (options.write ? O_RDWR : O_RDONLY);
  if (!block && options.write && options.create) flags |= O_CREAT;
  if (!block && options.write && options.truncate) flags |= O_TRUNC;
  if (block && options.exclusive) flags |= O_EXCL;

  int fd = -1;
  bool direct = false;
  if (options.direct) {
    fd = ::open(path.c_str(), flags | O_DIRECT, 0644);
    // Some file systems (tmpfs, overlay in places) refuse O_DIRECT: fall back to buffered I/O,
    // where DropCache() still keeps verification honest.
    if (fd >= 0)
      direct = true;
    else if (errno != EINVAL)
      return ErrnoError(errno, "open", shown, std::nullopt);
  }
  if (fd < 0) fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) {
    if (errno == EBUSY && block) {
      return absl::FailedPreconditionError(absl::StrCat(
          shown, ": device is busy (mounted, or held by another program); refusing to open it"));
    }
    return ErrnoError(errno, "open", shown, std::nullopt);
  }

  int buffered_fd = -1;
  if (direct) {
    // Not O_EXCL: the direct descriptor already holds the exclusive claim.
    buffered_fd = ::open(path.c_str(), (flags & ~(O_CREAT | O_TRUNC | O_EXCL)), 0644);
    if (buffered_fd < 0) {
      int e = errno;
      ::close(fd);
      return ErrnoError(e, "open", shown, std::nullopt);
    }
  }

  uint64_t size = 0;
  uint32_t lss = 512, pss = 512;
  if (block) {
    if (::ioctl(fd, BLKGETSIZE64, &size) != 0) {
      int e = errno;
      ::close(fd);
      if (buffered_fd >= 0) ::close(buffered_fd);
      return ErrnoError(e, "BLKGETSIZE64", shown, std::nullopt);
    }
    int v = 0;
    if (::ioctl(fd, BLKSSZGET, &v) == 0 && v > 0) lss = static_cast<uint32_t>(v);
    unsigned int pv = 0;
    if (::ioctl(fd, BLKPBSZGET, &pv) == 0 && pv > 0) pss = pv;
  } else {
    struct stat fst;
    if (::fstat(fd, &fst) == 0) {
      size = static_cast<uint64_t>(fst.st_size);
      // O_DIRECT on files wants the file system's block alignment; 4096 is safe everywhere.
      if (direct) lss = pss = 4096;
    }
  }
  return std::unique_ptr<Target>(
      new FdTarget(shown, fd, buffered_fd, block, direct, size, lss, pss));
}

absl::Status WriteFully(Target& target, std::span<const std::byte> data, uint64_t offset) {
  while (!data.empty()) {
    auto n = target.WriteAt(data, offset);
    // An I/O error (EIO) names a whole request: find its first failing sector.
    if (!n.ok() && absl::IsDataLoss(n.status()) && data.size() > target.logical_sector_size()) {
      if (auto located = LocateFailingSector(target, data, offset, n.status()); !located.ok()) {
        return located;
      }
      return absl::OkStatus();  // every sector took its data when written alone
    }
    if (!n.ok()) return n.status();
    if (*n == 0) {
      return absl::DataLossError(
          absl::StrCat(target.path(), ": write made no progress at byte offset ", offset));
    }
    data = data.subspan(*n);
    offset += *n;
  }
  return absl::OkStatus();
}

absl::Status ReadFully(Target& target, std::span<std::byte> data, uint64_t offset) {
  while (!data.empty()) {
    auto n = target.ReadAt(data, offset);
    if (!n.ok()) return n.status();
    if (*n == 0) {
      return absl::OutOfRangeError(
          absl::StrCat(target.path(), ": unexpected end of data at byte offset ", offset));
    }
    data = data.subspan(*n);
    offset += *n;
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::device
