#include "fs/iso9660/source_tree.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "device/errors.h"

namespace mediaforge::iso9660 {
namespace {

absl::Status FillFromStat(const std::string& path, SourceNode* node, FileIdentity* identity) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    return device::ErrnoError(errno, "lstat", path, std::nullopt);
  }
  *identity = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  node->mode = st.st_mode;
  node->mtime = st.st_mtim.tv_sec;
  if (S_ISREG(st.st_mode)) {
    node->kind = SourceNode::Kind::kFile;
    node->size = static_cast<uint64_t>(st.st_size);
    node->source_path = path;
    if (st.st_nlink > 1) node->hard_link = *identity;
  } else if (S_ISDIR(st.st_mode)) {
    node->kind = SourceNode::Kind::kDirectory;
  } else if (S_ISLNK(st.st_mode)) {
    node->kind = SourceNode::Kind::kSymlink;
    std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return device::ErrnoError(errno, "readlink", path, std::nullopt);
    target.resize(static_cast<size_t>(n));
    node->symlink_target = std::move(target);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file, directory or symlink; cannot go into an ISO"));
  }
  return absl::OkStatus();
}

absl::Status ScanDirectory(const std::string& path, SourceNode* directory, int depth,
                           const std::vector<FileIdentity>& exclude) {
  if (depth > 255) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": directories nested too deeply"));
  }
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return device::ErrnoError(errno, "opendir", path, std::nullopt);
  std::vector<std::string> names;
  errno = 0;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  int read_errno = errno;
  ::closedir(dir);
  if (read_errno != 0) return device::ErrnoError(read_errno, "readdir", path, std::nullopt);
  std::sort(names.begin(), names.end());
  directory->children.reserve(names.size());
  for (std::string& name : names) {
    auto child = std::make_unique<SourceNode>();
    std::string child_path = absl::StrCat(path, "/", name);
    child->name = std::move(name);
    child->parent = directory;
    FileIdentity identity;
    if (auto s = FillFromStat(child_path, child.get(), &identity); !s.ok()) return s;
    if (child->is_file() && std::find(exclude.begin(), exclude.end(), identity) != exclude.end()) {
      continue;
    }
    if (child->is_directory()) {
      if (auto s = ScanDirectory(child_path, child.get(), depth + 1, exclude); !s.ok()) return s;
    }
    directory->children.push_back(std::move(child));
  }
  return absl::OkStatus();
}

}  // namespace

std::string SourceNode::RelativePath() const {
  if (parent == nullptr) return "";
  std::string up = parent->RelativePath();
  return up.empty() ? name : absl::StrCat(up, "/", name);
}

absl::StatusOr<std::unique_ptr<SourceNode>> ScanSourceTree(
    const std::string& root, const std::vector<FileIdentity>& exclude) {
  auto node = std::make_unique<SourceNode>();
  FileIdentity identity;
  if (auto s = FillFromStat(root, node.get(), &identity); !s.ok()) return s;
  if (!node->is_directory()) {
    return absl::InvalidArgumentError(absl::StrCat(root, ": not a directory"));
  }
  if (auto s = ScanDirectory(root, node.get(), 0, exclude); !s.ok()) return s;
  return node;
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
