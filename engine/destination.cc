#include "engine/destination.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/errors.h"

namespace mediaforge::engine {
namespace {

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string HiddenPrefix(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return absl::StrCat(DirectoryOf(path), "/.", base, ".mediaforge-");
}

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Swaps two names atomically (both stay). False with errno when the file system cannot.
bool Exchange(const std::string& a, const std::string& b) {
  return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Destination>> Destination::Open(const std::string& path,
                                                               const DestinationOptions& options) {
  std::unique_ptr<Destination> d(new Destination());
  d->path_ = path;
  struct stat st;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) return device::ErrnoError(errno, "open", path, std::nullopt);
  if (exists && S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a block device or image file"));
  }
  if (exists && !S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a block device or regular file"));
  }

  absl::StatusOr<std::unique_ptr<device::Target>> target;
  if (exists && S_ISBLK(st.st_mode)) {
    if (!options.device_guard_passed) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": block device not cleared by the wrong-disk guard; nothing was opened"));
    }
    d->kind_ = TempFileKind::kNone;
    target = device::OpenTarget(path, {.write = true, .direct = options.direct, .exclusive = true});
  } else {
    // The new file gets the old one's permissions, or rw-r--r--.
    const mode_t mode = exists ? (st.st_mode & 07777) : 0644;
    d->dir_ = DirectoryOf(path);
    if (options.unnamed_temp_file) {
      const int fd = ::open(d->dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
      if (fd >= 0) {
        ::fchmod(fd, mode);
        d->unnamed_fd_ = fd;
        d->kind_ = TempFileKind::kUnnamed;
        // Reopened through /proc so the Target gets its own (O_DIRECT) descriptors.
        d->proc_path_ = absl::StrCat("/proc/self/fd/", fd);
        target = device::OpenTarget(d->proc_path_,
                                    {.write = true, .direct = options.direct, .name = path});
        if (!target.ok()) {  // no /proc: fall back to a named file
          ::close(fd);
          d->unnamed_fd_ = -1;
        }
      } else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
        return device::ErrnoError(errno, "create a temporary file for", path, std::nullopt);
      }
    }
    if (d->unnamed_fd_ < 0) {
      std::string name = HiddenPrefix(path) + "XXXXXX";
      const int fd = ::mkstemp(name.data());
      if (fd < 0) return device::ErrnoError(errno, "create a temporary file for", path, 0);
      ::fchmod(fd, mode);
      ::close(fd);
      d->kind_ = TempFileKind::kHiddenSibling;
      d->temp_name_ = name;
      target = device::OpenTarget(name, {.write = true, .direct = options.direct, .name = path});
    }
  }
  if (!target.ok()) return target.status();  // ~Destination removes a hidden sibling
  d->target_ = std::move(*target);
  if (options.wrap) d->target_ = options.wrap(std::move(d->target_));
  return d;
}

Destination::~Destination() { Abort(); }

absl::Status Destination::Seal() {
  if (state_ != State::kOpen) {
    return absl::FailedPreconditionError(absl::StrCat(path_, ": destination not open"));
  }
  if (auto s = target_->Flush(); !s.ok()) return s;
  target_.reset();
  if (kind_ == TempFileKind::kUnnamed) {
    // linkat through /proc names an O_TMPFILE file without CAP_DAC_READ_SEARCH (AT_EMPTY_PATH
    // would need it). The name is random; retry on the rare collision.
    std::random_device random;
    for (int attempt = 0;; ++attempt) {
      std::string name = absl::StrFormat("%s%08x", HiddenPrefix(path_), random());
      if (::linkat(AT_FDCWD, proc_path_.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
        temp_name_ = name;
        break;
      }
      if (errno != EEXIST || attempt > 16) {
        return device::ErrnoError(errno, "give the new image a name in", dir_, std::nullopt);
      }
    }
    ::close(unnamed_fd_);
    unnamed_fd_ = -1;
  }
  state_ = State::kSealed;
  return absl::OkStatus();
}

absl::Status Destination::Swap() {
  if (kind_ != TempFileKind::kNone) {
    replaced_old_ = false;
    if (IsRegularFile(path_) && Exchange(temp_name_, path_)) {
      replaced_old_ = true;
    } else if (::rename(temp_name_.c_str(), path_.c_str()) != 0) {
      return device::ErrnoError(errno, "move the finished image into place", path_, std::nullopt);
    }
  }
  state_ = State::kSwapped;
  return absl::OkStatus();
}

void Destination::Unswap() {
  if (kind_ != TempFileKind::kNone) {
    if (replaced_old_) {
      Exchange(temp_name_, path_);  // the old file back at path_, the new one at temp_name_
    } else {
      ::rename(path_.c_str(), temp_name_.c_str());
    }
  }
  state_ = State::kSealed;
}

void Destination::Finish() {
  if (kind_ != TempFileKind::kNone) {
    if (replaced_old_) ::unlink(temp_name_.c_str());
    // The rename is durable only once the directory is: fsync it (POSIX fsync(2), ext4 docs).
    if (int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
      directory_synced_ = ::fsync(fd) == 0;
      ::close(fd);
    }
  }
  state_ = State::kCommitted;
}

absl::Status Destination::Commit() {
  if (state_ == State::kCommitted) return absl::OkStatus();
  absl::Status s = Seal();
  if (s.ok()) s = Swap();
  if (!s.ok()) {
    Abort();
    return s;
  }
  Finish();
  return absl::OkStatus();
}

void Destination::Abort() {
  switch (state_) {
    case State::kCommitted:
    case State::kAborted:
      return;
    case State::kSwapped:
      Unswap();
      [[fallthrough]];
    case State::kSealed:
    case State::kOpen:
      target_.reset();
      if (unnamed_fd_ >= 0) ::close(unnamed_fd_);  // an unnamed file vanishes with it
      unnamed_fd_ = -1;
      if (!temp_name_.empty()) ::unlink(temp_name_.c_str());
      break;
  }
  state_ = State::kAborted;
}

absl::StatusOr<VolumeSet> VolumeSet::Open(const std::vector<std::string>& paths,
                                          const DestinationOptions& options) {
  std::vector<std::unique_ptr<Destination>> members;
  for (const std::string& p : paths) {
    auto d = Destination::Open(p, options);
    if (!d.ok()) return d.status();  // the ones opened so far are aborted
    members.push_back(std::move(*d));
  }
  return VolumeSet(std::move(members));
}

std::vector<Destination*> VolumeSet::members() const {
  std::vector<Destination*> out;
  for (const auto& m : members_) out.push_back(m.get());
  return out;
}

absl::Status VolumeSet::Commit() {
  for (auto& m : members_) {
    if (auto s = m->Seal(); !s.ok()) {
      Abort();
      return absl::Status(s.code(), absl::StrCat(s.message(), "; none of the ", members_.size(),
                                                 " volumes was written"));
    }
  }
  for (size_t i = 0; i < members_.size(); ++i) {
    if (auto s = members_[i]->Swap(); !s.ok()) {
      for (size_t j = 0; j < i; ++j) members_[j]->Unswap();
      Abort();
      return absl::Status(s.code(),
                          absl::StrCat(s.message(), "; the other ", members_.size() - 1,
                                       " volumes were put back as they were (none was replaced)"));
    }
  }
  for (auto& m : members_) m->Finish();
  return absl::OkStatus();
}

void VolumeSet::Abort() {
  for (auto& m : members_) {
    if (m) m->Abort();
  }
}

}  // namespace mediaforge::engine
