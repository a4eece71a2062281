#include "fs/fat32/tree_planner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fs/fat32/long_names.h"

namespace mediaforge::fat32 {
namespace {

struct Scanner {
  std::vector<PreflightProblem> problems;
  std::vector<std::pair<dev_t, ino_t>> ancestors;  // directories on the current path
  SourceTree* tree = nullptr;
  const std::vector<SourceSubstitution>* substitutions = nullptr;

  const SourceSubstitution* SubstitutionFor(const std::string& path) const {
    if (substitutions == nullptr) return nullptr;
    for (const auto& s : *substitutions) {
      if (s.source_path == path) return &s;
    }
    return nullptr;
  }

  // The files standing in for a substituted one, named and counted like scanned files.
  void AddSubstitutes(SourceNode& node, const SourceSubstitution& sub,
                      std::map<std::u16string, std::string>& folded) {
    for (const SourceNode& file : sub.files) {
      const std::string shown = node.path + "/" + file.name;
      auto utf16 = Utf8ToUtf16(file.name);
      if (auto why = LongNameProblem(file.name); why || !utf16) {
        Problem(shown, why.value_or("name is not UTF-8"));
        continue;
      }
      auto [it, inserted] = folded.emplace(Upcase(*utf16), file.name);
      if (!inserted || file.size > kMaxFatFileSize) {
        Problem(shown, !inserted ? absl::StrCat("name collides with '", it->second, "'")
                                 : TooLargeForFat(file.name, file.size));
        continue;
      }
      ++tree->files;
      tree->file_bytes += file.size;
      node.children.push_back(file);
    }
  }

  void Problem(const std::string& path, std::string what) {
    problems.push_back({path, std::nullopt, std::move(what)});
  }

  // Reads one directory through its descriptor: names are stat'ed relative to it (no path
  // walks), with one fstatat per entry unless it is a symbolic link.
  void ScanDir(SourceNode& node, const struct stat& st) {
    ancestors.emplace_back(st.st_dev, st.st_ino);
    const int dfd = ::open(node.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = dfd < 0 ? nullptr : ::fdopendir(dfd);
    if (d == nullptr) {
      Problem(node.path, absl::StrCat("cannot open directory: ", std::strerror(errno)));
      if (dfd >= 0) ::close(dfd);
      ancestors.pop_back();
      return;
    }
    std::vector<std::pair<std::string, unsigned char>> names;
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      names.emplace_back(e->d_name, e->d_type);
    }
    std::sort(names.begin(), names.end());
    // Case-insensitive collisions within this directory.
    std::map<std::u16string, std::string> folded;
    bool substituted = false;
    for (const auto& [name, type] : names) {
      std::string path = node.path + "/" + name;
      if (const SourceSubstitution* sub = SubstitutionFor(path)) {
        AddSubstitutes(node, *sub, folded);
        substituted = true;
        continue;
      }
      if (auto why = LongNameProblem(name)) {
        Problem(path, *why);
        continue;
      }
      auto [it, inserted] = folded.emplace(Upcase(*Utf8ToUtf16(name)), name);
      if (!inserted) {
        Problem(path, absl::StrCat("name collides with '", it->second,
                                   "' when case is ignored (FAT names are case-insensitive)"));
        continue;
      }
      AddChild(node, dfd, name, type, std::move(path));
    }
    ::closedir(d);      // closes dfd
    if (substituted) {  // substitutes were added where the file they replace sorted
      std::sort(node.children.begin(), node.children.end(),
                [](const SourceNode& a, const SourceNode& b) { return a.name < b.name; });
    }
    ancestors.pop_back();
  }

  void AddChild(SourceNode& parent, int dfd, const std::string& name, unsigned char type,
                std::string path) {
    struct stat st;
    const bool plain = type == DT_REG || type == DT_DIR;
    if (::fstatat(dfd, name.c_str(), &st, plain ? AT_SYMLINK_NOFOLLOW : 0) != 0) {
      struct stat lst;
      const bool link =
          ::fstatat(dfd, name.c_str(), &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode);
      Problem(path, link ? absl::StrCat("symbolic link whose target is missing (",
                                        std::strerror(errno), ")")
                         : absl::StrCat("cannot stat: ", std::strerror(errno)));
      return;
    }
    SourceNode child;
    child.name = name;
    child.path = std::move(path);
    child.mtime_sec = st.st_mtim.tv_sec;
    child.mtime_nsec = st.st_mtim.tv_nsec;
    if (S_ISDIR(st.st_mode)) {
      for (const auto& [dev, ino] : ancestors) {
        if (dev == st.st_dev && ino == st.st_ino) {
          Problem(child.path, "symbolic link loop: this directory contains itself");
          return;
        }
      }
      child.is_dir = true;
      ScanDir(child, st);
      ++tree->directories;
    } else if (S_ISREG(st.st_mode)) {
      child.size = static_cast<uint64_t>(st.st_size);
      if (child.size > kMaxFatFileSize) {
        Problem(child.path, TooLargeForFat(name, child.size));
        return;
      }
      if (!is_root && ::faccessat(dfd, name.c_str(), R_OK, 0) != 0) {
        Problem(child.path, absl::StrCat("cannot read: ", std::strerror(errno)));
        return;
      }
      ++tree->files;
      tree->file_bytes += child.size;
    } else {
      Problem(child.path, "not a regular file or directory (device, FIFO or socket)");
      return;
    }
    parent.children.push_back(std::move(child));
  }
  bool is_root = ::geteuid() == 0;  // root reads every file: skip the per-file access check
};

}  // namespace

std::string TooLargeForFat(const std::string& name, uint64_t size) {
  std::string what =
      absl::StrCat("file of ", size, " bytes is too large for FAT (files hold at most ",
                   kMaxFatFileSize, " bytes, 4 GiB - 1)");
  const std::string ext =
      absl::AsciiStrToLower(name.size() > 4 ? name.substr(name.size() - 4) : "");
  if (ext == ".wim" || ext == ".esd") {
    absl::StrAppend(&what, "; a Windows image can be split into .swm parts");
  }
  return what;
}

std::string DescribeProblems(const std::string& header, const std::vector<PreflightProblem>& p) {
  std::string out = header;
  for (const auto& problem : p) absl::StrAppend(&out, "\n  ", problem.where, ": ", problem.what);
  return out;
}

absl::StatusOr<SourceTree> ScanSourceTree(const std::string& dir) {
  return ScanSourceTree(dir, {});
}

absl::StatusOr<SourceTree> ScanSourceTree(const std::string& dir,
                                          const std::vector<SourceSubstitution>& substitutions) {
  SourceTree tree;
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(dir, ": cannot read source: ", std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(dir, ": source is not a directory"));
  }
  std::string root = dir;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  tree.root.path = root;
  tree.root.is_dir = true;
  tree.root.mtime_sec = st.st_mtim.tv_sec;
  tree.root.mtime_nsec = st.st_mtim.tv_nsec;
  Scanner scanner;
  scanner.tree = &tree;
  scanner.substitutions = &substitutions;
  scanner.ScanDir(tree.root, st);
  if (!scanner.problems.empty()) {
    return absl::InvalidArgumentError(
        DescribeProblems(absl::StrCat(dir, ": ", scanner.problems.size(),
                                      " problem(s) in the source; nothing was written:"),
                         scanner.problems));
  }
  return tree;
}

}  // namespace mediaforge::fat32
