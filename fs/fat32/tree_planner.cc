#include "fs/fat32/tree_planner.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fs/fat32/long_names.h"

namespace mediaforge::fat32 {
namespace {

// Walks the scanned tree once, in its order (names in byte order), so problems are listed as
// the tree reads.
class Preflight {
 public:
  Preflight(SourceTree& tree, const std::vector<SourceSubstitution>& substitutions)
      : tree_(tree), substitutions_(substitutions) {}

  void Directory(common::SourceEntry& scanned, SourceNode& node) {
    FatDirectoryNames names;
    bool substituted = false;
    for (common::SourceEntry& child : scanned.children) {
      if (const SourceSubstitution* sub = SubstitutionFor(child.path)) {
        AddSubstitutes(node, *sub, names);
        substituted = true;
        continue;
      }
      if (auto why = names.Admit(child.name)) {
        Problem(child.path, std::move(*why));
        continue;
      }
      Child(child, node);
    }
    if (substituted) {  // substitutes were added where the file they replace sorted
      std::sort(node.children.begin(), node.children.end(),
                [](const SourceNode& a, const SourceNode& b) { return a.name < b.name; });
    }
  }

  std::vector<PreflightProblem>& problems() { return problems_; }

 private:
  void Child(common::SourceEntry& scanned, SourceNode& parent) {
    if (scanned.is_file() && scanned.size > kMaxFatFileSize) {
      Problem(scanned.path, TooLargeForFat(scanned.name, scanned.size));
      return;
    }
    if (!scanned.problem.empty()) {
      Problem(scanned.path, std::move(scanned.problem));
      return;
    }
    SourceNode child;
    child.name = std::move(scanned.name);
    child.path = std::move(scanned.path);
    child.mtime_sec = scanned.mtime_sec;
    child.mtime_nsec = scanned.mtime_nsec;
    if (scanned.is_directory()) {
      child.is_dir = true;
      Directory(scanned, child);
      ++tree_.directories;
    } else {  // links are followed: a usable entry is a directory or a file
      child.size = scanned.size;
      ++tree_.files;
      tree_.file_bytes += child.size;
    }
    parent.children.push_back(std::move(child));
  }

  const SourceSubstitution* SubstitutionFor(const std::string& path) const {
    for (const auto& s : substitutions_) {
      if (s.source_path == path) return &s;
    }
    return nullptr;
  }

  // The files standing in for a substituted one, named and counted like scanned files.
  void AddSubstitutes(SourceNode& node, const SourceSubstitution& sub, FatDirectoryNames& names) {
    for (const SourceNode& file : sub.files) {
      const std::string shown = node.path + "/" + file.name;
      if (auto why = names.Admit(file.name)) {
        Problem(shown, std::move(*why));
      } else if (file.size > kMaxFatFileSize) {
        Problem(shown, TooLargeForFat(file.name, file.size));
      } else {
        ++tree_.files;
        tree_.file_bytes += file.size;
        node.children.push_back(file);
      }
    }
  }

  void Problem(const std::string& path, std::string what) {
    problems_.push_back({path, std::nullopt, std::move(what)});
  }

  SourceTree& tree_;
  const std::vector<SourceSubstitution>& substitutions_;
  std::vector<PreflightProblem> problems_;
};

}  // namespace

std::optional<std::string> FatDirectoryNames::Admit(const std::string& name) {
  if (auto why = LongNameProblem(name)) return why;
  auto [it, inserted] = folded_.emplace(Upcase(*Utf8ToUtf16(name)), name);
  if (!inserted) return CaseCollision(it->second);
  return std::nullopt;
}

std::string CaseCollision(const std::string& other) {
  return absl::StrCat("name collides with '", other,
                      "' when case is ignored (FAT names are case-insensitive)");
}

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

absl::StatusOr<SourceTree> FatPreflight(common::SourceEntry scanned,
                                        const std::vector<SourceSubstitution>& substitutions) {
  SourceTree tree;
  tree.root.path = scanned.path;
  tree.root.is_dir = true;
  tree.root.mtime_sec = scanned.mtime_sec;
  tree.root.mtime_nsec = scanned.mtime_nsec;
  Preflight preflight(tree, substitutions);
  preflight.Directory(scanned, tree.root);
  if (!preflight.problems().empty()) {
    return common::SourceProblemsError(scanned.path, preflight.problems());
  }
  return tree;
}

absl::StatusOr<SourceTree> ScanSourceTree(const std::string& dir) {
  return ScanSourceTree(dir, {});
}

absl::StatusOr<SourceTree> ScanSourceTree(const std::string& dir,
                                          const std::vector<SourceSubstitution>& substitutions) {
  auto scanned = common::ScanSource(dir, {.symlinks = common::SymlinkPolicy::kFollow});
  if (!scanned.ok()) return scanned.status();
  return FatPreflight(std::move(*scanned), substitutions);
}

}  // namespace mediaforge::fat32
