#include "fs/media/manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "device/errors.h"
#include "device/sha256.h"

namespace mediaforge::media {
namespace {

absl::StatusOr<std::string> HashDiskFile(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return device::ErrnoError(errno, "open", path, std::nullopt);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  device::Sha256 sha;
  std::vector<std::byte> buf(1 << 20);
  uint64_t done = 0;
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return device::ErrnoError(e, "read", path, done);
    }
    if (n == 0) break;
    sha.Update(std::span<const std::byte>(buf.data(), static_cast<size_t>(n)));
    done += static_cast<uint64_t>(n);
  }
  ::close(fd);
  if (done != size) {
    return absl::DataLossError(
        absl::StrCat(path, ": changed while hashing (", done, " bytes, scanned ", size, ")"));
  }
  return sha.FinalHex();
}

}  // namespace

absl::StatusOr<std::string> BuildManifest(TreeNode& root, const std::vector<std::string>& skip) {
  std::string text;
  absl::Status status;
  iso9660::ForEachNode(root, [&](TreeNode& n) {
    if (!status.ok() || !n.is_file()) return;
    std::string rel = n.RelativePath();
    if (std::find(skip.begin(), skip.end(), rel) != skip.end()) return;
    absl::StatusOr<std::string> hex;
    if (n.content) {
      hex = device::Sha256Hex(*n.content);
    } else {
      hex = HashDiskFile(n.source_path, n.size);
    }
    if (!hex.ok()) {
      status = hex.status();
      return;
    }
    absl::StrAppend(&text, *hex, "  ", rel, "\n");
  });
  if (!status.ok()) return status;
  return text;
}

absl::StatusOr<std::vector<ManifestEntry>> ParseManifest(const std::string& text) {
  std::vector<ManifestEntry> out;
  size_t number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    ++number;
    if (line.size() < 67 || line.substr(64, 2) != "  ") {
      return absl::InvalidArgumentError(
          absl::StrCat("manifest line ", number, ": not \"<sha256>  <path>\""));
    }
    ManifestEntry e;
    e.sha256 = absl::AsciiStrToLower(line.substr(0, 64));
    for (char c : e.sha256) {
      if (!absl::ascii_isxdigit(c)) {
        return absl::InvalidArgumentError(absl::StrCat("manifest line ", number, ": bad digest"));
      }
    }
    e.path = std::string(line.substr(66));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<ManifestProblem> CheckManifest(
    const std::vector<ManifestEntry>& entries,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& hash_file) {
  std::vector<ManifestProblem> problems;
  for (const auto& e : entries) {
    auto hex = hash_file(e.path);
    if (!hex.ok()) {
      problems.push_back({e.path, std::string(hex.status().message())});
    } else if (hex->empty()) {
      continue;  // the caller skips it (another volume of a set)
    } else if (*hex != e.sha256) {
      problems.push_back(
          {e.path, absl::StrCat("SHA-256 is ", *hex, ", the manifest says ", e.sha256)});
    }
  }
  return problems;
}

}  // namespace mediaforge::media
