#include "fs/wim/wim_find.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "device/target.h"
#include "fs/udf/disc_image.h"

namespace mediaforge::wim {
namespace fs = std::filesystem;
namespace {

// Reads the header from the first bytes of the WIM (which lie in its first extent: an ISO
// extent is at least one 2048-byte block or the whole file).
absl::Status ReadHeader(WimInSource& wim) {
  if (wim.size < sizeof(WimHeaderV1)) {
    return absl::InvalidArgumentError(absl::StrCat(wim.shown, ": ", wim.size,
                                                   " bytes, too short for a WIM header (",
                                                   sizeof(WimHeaderV1), " bytes)"));
  }
  const uint64_t offset = wim.in_iso() ? wim.extents[0].offset : 0;
  const int fd = ::open(wim.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(wim.file, ": cannot open: ", std::strerror(errno)));
  }
  const ssize_t got = ::pread(fd, &wim.header, sizeof(wim.header), static_cast<off_t>(offset));
  const int err = errno;
  ::close(fd);
  if (got != static_cast<ssize_t>(sizeof(wim.header))) {
    return absl::DataLossError(absl::StrCat(wim.file, ": cannot read the WIM header at byte ",
                                            offset, ": ", got < 0 ? std::strerror(err) : "short"));
  }
  if (!HasWimMagic(wim.header)) {
    return absl::InvalidArgumentError(absl::StrCat(
        wim.shown, ": named like a Windows image but is not one (no MSWIM tag at byte ", offset,
        ")"));
  }
  if (wim.header.total_parts > 1) {
    return absl::InvalidArgumentError(absl::StrCat(wim.shown, ": is part ", wim.header.part_number,
                                                   " of a split WIM of ", wim.header.total_parts,
                                                   " parts already"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsWimName(const std::string& name) {
  if (name.size() < 5) return false;
  const std::string ext = absl::AsciiStrToLower(name.substr(name.size() - 4));
  return ext == ".wim" || ext == ".esd";
}

absl::StatusOr<std::vector<WimInSource>> FindWimsInDirectory(const std::string& dir,
                                                             uint64_t larger_than) {
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::vector<WimInSource> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return absl::NotFoundError(absl::StrCat(root, ": cannot read: ", ec.message()));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return absl::InternalError(absl::StrCat(root, ": cannot read: ", ec.message()));
    const std::string name = it->path().filename().string();
    if (!IsWimName(name)) continue;
    struct stat st;
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (static_cast<uint64_t>(st.st_size) <= larger_than) continue;
    WimInSource w;
    w.name = name;
    w.shown = it->path().string();
    w.source_key = it->path().string();  // root + "/" + ... as ScanSourceTree builds paths
    w.file = w.shown;
    w.size = static_cast<uint64_t>(st.st_size);
    w.mtime = st.st_mtim.tv_sec;
    if (auto s = ReadHeader(w); !s.ok()) return s;
    found.push_back(std::move(w));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.source_key < b.source_key; });
  return found;
}

absl::StatusOr<std::vector<WimInSource>> FindWimsInIso(const std::string& iso_path,
                                                       uint64_t larger_than) {
  auto target = device::OpenTarget(iso_path, {.write = false, .exclusive = false});
  if (!target.ok()) return target.status();
  // Windows ISOs keep install.wim in UDF; their ISO9660 tree holds only a README.
  auto disc = udf::OpenDiscImage(**target);
  if (!disc.ok()) return disc.status();  // names the image
  const iso9660::IsoImage* image = &disc->image;
  std::vector<WimInSource> found;
  for (const auto& e : image->entries) {
    if (e.type != iso9660::IsoEntry::Type::kFile || e.size <= larger_than) continue;
    const std::string name = e.path.substr(e.path.rfind('/') + 1);
    if (!IsWimName(name) || e.extents.empty()) continue;
    WimInSource w;
    w.name = name;
    w.shown = absl::StrCat(iso_path, ":", e.path);
    w.source_key = e.path;
    w.file = iso_path;
    w.extents = e.extents;
    w.size = e.size;
    w.mtime = e.mtime;
    if (auto s = ReadHeader(w); !s.ok()) return s;
    found.push_back(std::move(w));
  }
  return found;
}

absl::Status CopyWimOut(const WimInSource& wim, const std::string& dest,
                        const std::function<bool(uint64_t)>& on_bytes) {
  const int in = ::open(wim.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return absl::NotFoundError(absl::StrCat(wim.file, ": ", std::strerror(errno)));
  const int out = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    ::close(in);
    return absl::InternalError(absl::StrCat(dest, ": cannot create: ", std::strerror(errno)));
  }
  std::vector<iso9660::IsoExtentRef> extents = wim.extents;
  if (extents.empty()) extents.push_back({0, wim.size});
  absl::Status status;
  uint64_t done = 0;
  constexpr uint64_t kStep = 64 << 20;  // progress and cancel checks every 64 MiB
  for (const auto& x : extents) {
    loff_t in_off = static_cast<loff_t>(x.offset);
    uint64_t left = x.length;
    while (left > 0 && status.ok()) {
      // In-kernel copy (a reflink where the file system can share the blocks).
      const ssize_t n = ::copy_file_range(in, &in_off, out, nullptr, std::min(left, kStep), 0);
      if (n <= 0) {
        status = absl::DataLossError(
            absl::StrCat(wim.shown, ": copying to ", dest, " failed at source byte ", in_off, ": ",
                         n == 0 ? "unexpected end of file" : std::strerror(errno)));
        break;
      }
      left -= static_cast<uint64_t>(n);
      done += static_cast<uint64_t>(n);
      if (on_bytes && !on_bytes(done)) {
        status = absl::CancelledError(absl::StrCat(wim.shown, ": copy cancelled"));
      }
    }
    if (!status.ok()) break;
  }
  ::close(in);
  if (::close(out) != 0 && status.ok()) {
    status = absl::InternalError(absl::StrCat(dest, ": ", std::strerror(errno)));
  }
  if (!status.ok()) ::unlink(dest.c_str());
  return status;
}

}  // namespace mediaforge::wim
