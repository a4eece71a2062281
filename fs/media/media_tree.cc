#include "fs/media/media_tree.h"

#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mediaforge::media {
namespace {

std::vector<std::unique_ptr<TreeNode>>::iterator Lookup(TreeNode& dir, const std::string& name) {
  return std::lower_bound(
      dir.children.begin(), dir.children.end(), name,
      [](const std::unique_ptr<TreeNode>& c, const std::string& n) { return c->name < n; });
}

absl::StatusOr<TreeNode*> MakeDirs(TreeNode& root, const std::string& at) {
  TreeNode* dir = &root;
  for (absl::string_view part : absl::StrSplit(at, '/', absl::SkipEmpty())) {
    std::string name(part);
    auto it = Lookup(*dir, name);
    if (it != dir->children.end() && (*it)->name == name) {
      if (!(*it)->is_directory()) {
        return absl::AlreadyExistsError(
            absl::StrCat((*it)->RelativePath(), ": a file where the media need a directory"));
      }
      dir = it->get();
      continue;
    }
    auto node = std::make_unique<TreeNode>();
    node->name = name;
    node->kind = TreeNode::Kind::kDirectory;
    node->mode = 040755;
    node->mtime = root.mtime;
    node->parent = dir;
    TreeNode* raw = node.get();
    dir->children.insert(it, std::move(node));
    dir = raw;
  }
  return dir;
}

void SetParents(TreeNode& node) {
  for (auto& c : node.children) {
    c->parent = &node;
    SetParents(*c);
  }
}

absl::Status Merge(TreeNode& dest, std::unique_ptr<TreeNode> src, const std::string& origin) {
  for (auto& child : src->children) {
    auto it = Lookup(dest, child->name);
    if (it != dest.children.end() && (*it)->name == child->name) {
      if ((*it)->is_directory() && child->is_directory()) {
        if (auto s = Merge(**it, std::move(child), origin); !s.ok()) return s;
        continue;
      }
      return absl::AlreadyExistsError(
          absl::StrCat("/", (*it)->RelativePath(), ": ", origin,
                       " brings a file of that name, but the media already hold one there"));
    }
    child->parent = &dest;
    SetParents(*child);
    dest.children.insert(it, std::move(child));
  }
  return absl::OkStatus();
}

absl::Status ConvertNode(TreeNode& node, fat32::SourceNode& out, fat32::SourceTree& tree,
                         std::vector<std::string>& too_big) {
  out.name = node.name;
  out.mtime_sec = node.mtime;
  if (node.is_directory()) {
    out.is_dir = true;
    for (auto& c : node.children) {
      fat32::SourceNode child;
      if (auto s = ConvertNode(*c, child, tree, too_big); !s.ok()) return s;
      out.children.push_back(std::move(child));
      if (out.children.back().is_dir) ++tree.directories;
    }
    return absl::OkStatus();
  }
  std::string path = node.source_path;
  uint64_t size = node.size;
  if (node.kind == TreeNode::Kind::kSymlink) {
    return absl::InvalidArgumentError(
        absl::StrCat("/", node.RelativePath(), ": a symbolic link (to ", node.symlink_target,
                     "); FAT media cannot hold links - replace it with the file"));
  }
  if (node.content) {
    return absl::InternalError(
        absl::StrCat("/", node.RelativePath(), ": an in-memory file cannot go onto FAT media"));
  }
  out.path = path;
  out.size = size;
  ++tree.files;
  tree.file_bytes += size;
  if (size > fat32::kMaxFatFileSize) {
    too_big.push_back(absl::StrCat("/", node.RelativePath(), " (", size, " bytes)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Graft(TreeNode& root, const std::string& at, std::unique_ptr<TreeNode> subtree,
                   const std::string& origin) {
  auto dir = MakeDirs(root, at);
  if (!dir.ok()) return dir.status();
  return Merge(**dir, std::move(subtree), origin);
}

absl::Status AddDiskFile(TreeNode& root, const std::string& relative_path,
                         const std::string& source_path) {
  std::string dir_part, name = relative_path;
  if (size_t slash = relative_path.rfind('/'); slash != std::string::npos) {
    dir_part = relative_path.substr(0, slash);
    name = relative_path.substr(slash + 1);
  }
  auto dir = MakeDirs(root, dir_part);
  if (!dir.ok()) return dir.status();
  struct stat st;
  if (::stat(source_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat(source_path, ": not a regular file"));
  }
  auto it = Lookup(**dir, name);
  if (it != (*dir)->children.end() && (*it)->name == name) {
    return absl::AlreadyExistsError(absl::StrCat("/", relative_path, ": already on the media"));
  }
  auto node = std::make_unique<TreeNode>();
  node->name = name;
  node->kind = TreeNode::Kind::kFile;
  node->mode = 0100644;
  node->mtime = st.st_mtim.tv_sec;
  node->size = static_cast<uint64_t>(st.st_size);
  node->source_path = source_path;
  node->parent = *dir;
  (*dir)->children.insert(it, std::move(node));
  return absl::OkStatus();
}

TreeTotals CountTree(TreeNode& root) {
  TreeTotals t;
  iso9660::ForEachNode(root, [&](TreeNode& n) {
    if (&n == &root) return;
    if (n.is_directory()) ++t.directories;
    if (n.is_file()) {
      ++t.files;
      t.bytes += n.size;
    }
  });
  return t;
}

absl::StatusOr<fat32::SourceTree> ToFatTree(TreeNode& root) {
  fat32::SourceTree tree;
  std::vector<std::string> too_big;
  if (auto s = ConvertNode(root, tree.root, tree, too_big); !s.ok()) return s;
  if (!too_big.empty()) {
    std::string msg = "files of 4 GiB or more cannot go onto FAT32 media:";
    for (const auto& f : too_big) absl::StrAppend(&msg, "\n  ", f);
    return absl::FailedPreconditionError(msg);
  }
  return tree;
}

}  // namespace mediaforge::media
