#include "fs/media/staging.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "device/errors.h"

namespace mediaforge::media {

absl::StatusOr<std::unique_ptr<StagingArea>> StagingArea::Create(const std::string& base,
                                                                 uint64_t needed_bytes) {
  std::string dir = base;
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    dir = tmp && *tmp ? tmp : "/var/tmp";
  }
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0) {
    return device::ErrnoError(errno, "statvfs (staging directory)", dir, std::nullopt);
  }
  uint64_t free_bytes = uint64_t{vfs.f_bavail} * vfs.f_frsize;
  if (free_bytes < needed_bytes + (16ull << 20)) {
    return absl::ResourceExhaustedError(absl::StrCat("staging directory ", dir, " has ", free_bytes,
                                                     " bytes free; the run needs ",
                                                     needed_bytes + (16ull << 20)));
  }
  std::string templ = absl::StrCat(dir, "/mediaforge-create-XXXXXX");
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return device::ErrnoError(errno, "mkdtemp (staging directory)", templ, std::nullopt);
  }
  return std::unique_ptr<StagingArea>(new StagingArea(buf.data()));
}

StagingArea::~StagingArea() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

absl::StatusOr<std::string> StagingArea::WriteFile(const std::string& relative,
                                                   const std::string& content) {
  std::filesystem::path p = std::filesystem::path(path_) / relative;
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  if (ec) return absl::InternalError(absl::StrCat(p.parent_path().string(), ": ", ec.message()));
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return device::ErrnoError(errno, "open", p.string(), std::nullopt);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return device::ErrnoError(e, "write", p.string(), done);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return device::ErrnoError(errno, "close", p.string(), std::nullopt);
  return p.string();
}

}  // namespace mediaforge::media
