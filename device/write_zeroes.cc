#include "device/write_zeroes.h"

#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "device/errors.h"

namespace mediaforge::device {

uint64_t WriteZeroesMaxBytes(const Target& target) {
  if (!target.is_block_device() || target.native_fd() < 0) return 0;
  struct stat st;
  if (::fstat(target.native_fd(), &st) != 0 || !S_ISBLK(st.st_mode)) return 0;
  const std::string dev =
      absl::StrCat("/sys/dev/block/", major(st.st_rdev), ":", minor(st.st_rdev));
  // A partition has no queue/ of its own: its disk's is one level up.
  for (const char* queue : {"/queue/write_zeroes_max_bytes", "/../queue/write_zeroes_max_bytes"}) {
    std::ifstream f(dev + queue);
    uint64_t v = 0;
    if (f >> v) return v;
  }
  return 0;
}

absl::Status ZeroOut(Target& target, uint64_t offset, uint64_t length) {
  if (target.native_fd() < 0 || !target.is_block_device()) {
    return absl::FailedPreconditionError(
        absl::StrCat(target.path(), ": zero-out needs a block device"));
  }
  uint64_t range[2] = {offset, length};
  if (::ioctl(target.native_fd(), BLKZEROOUT, range) != 0) {
    return ErrnoError(errno, "BLKZEROOUT on", target.path(), offset);
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::device
