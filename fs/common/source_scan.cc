#include "fs/common/source_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace mediaforge::common {
namespace {

void TakeStat(const struct stat& st, SourceEntry& e) {
  e.mode = st.st_mode;
  e.mtime_sec = st.st_mtim.tv_sec;
  e.mtime_nsec = st.st_mtim.tv_nsec;
  e.identity = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  e.link_count = st.st_nlink;
}

class Scanner {
 public:
  explicit Scanner(const ScanOptions& options) : options_(options) {}

  // Reads the children of `dir` (its path and identity are set) through one descriptor: each
  // name is stat'ed relative to it, no path walks.
  void ReadDirectory(SourceEntry& dir, int depth) {
    const int dfd = ::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = dfd < 0 ? nullptr : ::fdopendir(dfd);
    if (d == nullptr) {
      dir.problem = absl::StrCat("cannot open directory: ", std::strerror(errno));
      if (dfd >= 0) ::close(dfd);
      return;
    }
    std::vector<std::pair<std::string, unsigned char>> names;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      names.emplace_back(e->d_name, e->d_type);
    }
    if (errno != 0) {
      dir.problem = absl::StrCat("cannot read directory: ", std::strerror(errno));
      ::closedir(d);
      return;
    }
    std::sort(names.begin(), names.end());
    ancestors_.push_back(dir.identity);
    dir.children.reserve(names.size());
    for (auto& [name, type] : names) {
      if (auto child = Entry(dfd, std::move(name), type, dir.path, depth + 1)) {
        dir.children.push_back(std::move(*child));
      }
    }
    ancestors_.pop_back();
    ::closedir(d);  // closes dfd
  }

 private:
  // One directory entry at `depth`, or nullopt when it is left out (options_.exclude).
  std::optional<SourceEntry> Entry(int dfd, std::string name, unsigned char type,
                                   const std::string& parent_path, int depth) {
    SourceEntry e;
    e.path = absl::StrCat(parent_path, "/", name);
    e.name = std::move(name);
    const bool follow = options_.symlinks == SymlinkPolicy::kFollow;
    // d_type saves the second stat of a plain entry; a link (or an unknown type) is followed.
    const bool plain = type == DT_REG || type == DT_DIR;
    struct stat st;
    if (::fstatat(dfd, e.name.c_str(), &st, follow && !plain ? 0 : AT_SYMLINK_NOFOLLOW) != 0) {
      const int err = errno;
      struct stat lst;
      const bool link = follow && ::fstatat(dfd, e.name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
                        S_ISLNK(lst.st_mode);
      e.problem =
          link ? absl::StrCat("symbolic link whose target is missing (", std::strerror(err), ")")
               : absl::StrCat("cannot stat: ", std::strerror(err));
      return e;
    }
    TakeStat(st, e);
    if (S_ISDIR(st.st_mode)) {
      e.kind = SourceKind::kDirectory;
      if (std::find(ancestors_.begin(), ancestors_.end(), e.identity) != ancestors_.end()) {
        e.problem = type == DT_LNK ? "symbolic link loop: this directory contains itself"
                                   : "directory loop: this directory contains itself";
      } else if (depth > kMaxScanDepth) {
        e.problem = absl::StrCat("directories nest more than ", kMaxScanDepth,
                                 " levels below the source; not read");
      } else {
        ReadDirectory(e, depth);
      }
    } else if (S_ISREG(st.st_mode)) {
      e.kind = SourceKind::kFile;
      e.size = static_cast<uint64_t>(st.st_size);
      if (std::find(options_.exclude.begin(), options_.exclude.end(), e.identity) !=
          options_.exclude.end()) {
        return std::nullopt;
      }
      if (!is_root_ && ::faccessat(dfd, e.name.c_str(), R_OK, 0) != 0) {
        e.problem = absl::StrCat("cannot read: ", std::strerror(errno));
      }
    } else if (S_ISLNK(st.st_mode)) {  // kKeep only: a followed link is what it points to
      e.kind = SourceKind::kSymlink;
      char target[PATH_MAX];
      const ssize_t n = ::readlinkat(dfd, e.name.c_str(), target, sizeof target);
      if (n < 0) {
        e.problem = absl::StrCat("cannot read symbolic link: ", std::strerror(errno));
      } else {
        e.symlink_target.assign(target, static_cast<size_t>(n));
      }
    } else {
      e.kind = SourceKind::kOther;
      e.problem = follow ? "not a regular file or directory (device, FIFO or socket)"
                         : "not a regular file, directory or symbolic link (device, FIFO or "
                           "socket)";
    }
    return e;
  }

  const ScanOptions& options_;
  std::vector<FileIdentity> ancestors_;    // directories on the current path: loops
  const bool is_root_ = ::geteuid() == 0;  // root reads every file: no access check per file
};

void CollectProblems(const SourceEntry& entry, std::vector<device::Problem>& out) {
  for (const SourceEntry& child : entry.children) {
    if (!child.problem.empty()) out.push_back({child.path, std::nullopt, child.problem});
    CollectProblems(child, out);
  }
}

}  // namespace

absl::StatusOr<SourceEntry> ScanSource(const std::string& dir, const ScanOptions& options) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(dir, ": cannot read source: ", std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": source is not a directory"));
  }
  SourceEntry root;
  root.path = dir;
  while (root.path.size() > 1 && root.path.back() == '/') root.path.pop_back();
  root.kind = SourceKind::kDirectory;
  TakeStat(st, root);
  Scanner scanner(options);
  scanner.ReadDirectory(root, 0);
  if (!root.problem.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(root.path, ": ", root.problem));
  }
  return root;
}

std::vector<device::Problem> ScanProblems(const SourceEntry& root) {
  std::vector<device::Problem> out;
  CollectProblems(root, out);
  return out;
}

std::string DescribeProblems(const std::string& header,
                             const std::vector<device::Problem>& problems) {
  std::string out = header;
  for (const auto& p : problems) absl::StrAppend(&out, "\n  ", p.where, ": ", p.what);
  return out;
}

absl::Status SourceProblemsError(const std::string& dir,
                                 const std::vector<device::Problem>& problems) {
  return absl::InvalidArgumentError(DescribeProblems(
      absl::StrCat(dir, ": ", problems.size(), " problem(s) in the source; nothing was written:"),
      problems));
}

}  // namespace mediaforge::common
