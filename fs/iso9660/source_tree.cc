#include "fs/iso9660/source_tree.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mediaforge::iso9660 {
namespace {

SourceNode::Kind KindOf(common::SourceKind kind) {
  switch (kind) {
    case common::SourceKind::kDirectory:
      return SourceNode::Kind::kDirectory;
    case common::SourceKind::kSymlink:
      return SourceNode::Kind::kSymlink;
    default:
      return SourceNode::Kind::kFile;
  }
}

void Convert(common::SourceEntry& scanned, SourceNode& node) {
  node.name = std::move(scanned.name);
  node.kind = KindOf(scanned.kind);
  node.mode = scanned.mode;
  node.mtime = scanned.mtime_sec;
  if (node.is_file()) {
    node.size = scanned.size;
    node.source_path = std::move(scanned.path);
    if (scanned.link_count > 1) node.hard_link = scanned.identity;
  }
  node.symlink_target = std::move(scanned.symlink_target);
  node.children.reserve(scanned.children.size());
  for (common::SourceEntry& c : scanned.children) {
    auto child = std::make_unique<SourceNode>();
    child->parent = &node;
    Convert(c, *child);
    node.children.push_back(std::move(child));
  }
}

}  // namespace

std::string SourceNode::RelativePath() const {
  if (parent == nullptr) return "";
  std::string up = parent->RelativePath();
  return up.empty() ? name : absl::StrCat(up, "/", name);
}

absl::StatusOr<std::unique_ptr<SourceNode>> ScanSourceTree(
    const std::string& root, const std::vector<FileIdentity>& exclude) {
  auto scanned =
      common::ScanSource(root, {.symlinks = common::SymlinkPolicy::kKeep, .exclude = exclude});
  if (!scanned.ok()) return scanned.status();
  if (auto problems = common::ScanProblems(*scanned); !problems.empty()) {
    return common::SourceProblemsError(scanned->path, problems);
  }
  return IsoTreeFromScan(std::move(*scanned));
}

std::unique_ptr<SourceNode> IsoTreeFromScan(common::SourceEntry scanned) {
  auto root = std::make_unique<SourceNode>();
  Convert(scanned, *root);
  root->name.clear();
  return root;
}

SourceNode* FindNode(SourceNode& root, const std::string& relative_path) {
  SourceNode* node = &root;
  for (absl::string_view part : absl::StrSplit(relative_path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    if (!node->is_directory()) return nullptr;
    auto it = std::lower_bound(
        node->children.begin(), node->children.end(), part,
        [](const std::unique_ptr<SourceNode>& c, absl::string_view n) { return c->name < n; });
    if (it == node->children.end() || (*it)->name != part) return nullptr;
    node = it->get();
  }
  return node;
}

absl::StatusOr<SourceNode*> AddMemoryFile(SourceNode& directory, const std::string& name,
                                          std::vector<std::byte> content, int64_t mtime) {
  auto it = std::lower_bound(
      directory.children.begin(), directory.children.end(), name,
      [](const std::unique_ptr<SourceNode>& c, const std::string& n) { return c->name < n; });
  if (it != directory.children.end() && (*it)->name == name) {
    return absl::AlreadyExistsError(
        absl::StrCat("'", name, "' already exists in the source tree; cannot add it"));
  }
  auto node = std::make_unique<SourceNode>();
  node->name = name;
  node->kind = SourceNode::Kind::kFile;
  node->mode = 0100644;
  node->mtime = mtime;
  node->size = content.size();
  node->content = std::make_shared<const std::vector<std::byte>>(std::move(content));
  node->parent = &directory;
  SourceNode* raw = node.get();
  directory.children.insert(it, std::move(node));
  return raw;
}

}  // namespace mediaforge::iso9660
