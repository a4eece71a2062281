#include "fs/media/wim_parts.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mediaforge::media {
namespace {

std::string Normal(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().string();
}

// Replaces the file whose source is `sub.source_path` by the parts, in the same directory.
absl::Status Substitute(TreeNode& root, const fat32::SourceSubstitution& sub) {
  const std::string wanted = Normal(sub.source_path);
  TreeNode* found = nullptr;
  iso9660::ForEachNode(root, [&](TreeNode& n) {
    if (found == nullptr && n.is_file() && !n.source_path.empty() &&
        Normal(n.source_path) == wanted) {
      found = &n;
    }
  });
  if (found == nullptr || found->parent == nullptr) {
    return absl::InternalError(absl::StrCat(sub.source_path, ": split, but not in the media tree"));
  }
  TreeNode* dir = found->parent;
  const std::string dir_path = dir->RelativePath();
  std::erase_if(dir->children,
                [&](const std::unique_ptr<TreeNode>& c) { return c.get() == found; });
  for (const fat32::SourceNode& part : sub.files) {
    const std::string at = dir_path.empty() ? part.name : absl::StrCat(dir_path, "/", part.name);
    if (auto s = AddDiskFile(root, at, part.path); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::unique_ptr<wim::StagedWimParts>>> SplitWimsIntoTree(
    const SplitWimRequest& request, TreeNode& root, std::vector<std::string>& findings) {
  std::vector<std::unique_ptr<wim::StagedWimParts>> all;
  wim::WimSplitOptions options;
  options.part_bytes = request.part_bytes;
  options.staging_parent = request.staging_parent;
  for (const std::string& dir : request.source_dirs) {
    auto staged = wim::SplitWimsInDirectory(dir, options);
    if (!staged.ok()) return staged.status();
    for (const auto& sub : (*staged)->substitutions()) {
      if (auto s = Substitute(root, sub); !s.ok()) return s;
    }
    for (const auto& r : (*staged)->results()) {
      findings.push_back(absl::StrCat(r.shown, ": split into ", absl::StrJoin(r.part_names, ", "),
                                      r.exported ? " (solid: exported non-solid first)" : ""));
    }
    all.push_back(std::move(*staged));
  }
  return all;
}

}  // namespace mediaforge::media
