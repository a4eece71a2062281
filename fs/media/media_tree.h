// Assembling the media's file tree from several places without copying data: the boot image
// directory is the root; content directories, the prestart files and the generated files are
// grafted in (directories merge; a file name taken twice is an error naming the path). The tree
// feeds the ISO planner directly and the FAT planner after ToFatTree.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/fat32/tree_planner.h"
#include "fs/iso9660/source_tree.h"

namespace mediaforge::media {

using TreeNode = iso9660::SourceNode;

// Merges the children of `subtree` into the directory `at` ("" the root, "a/b" created as
// needed) of `root`. `origin` names the source in errors.
absl::Status Graft(TreeNode& root, const std::string& at, std::unique_ptr<TreeNode> subtree,
                   const std::string& origin);

// Adds one file from disk at `relative_path` of `root` (its directory created as needed).
absl::Status AddDiskFile(TreeNode& root, const std::string& relative_path,
                         const std::string& source_path);

struct TreeTotals {
  uint64_t files = 0;
  uint64_t directories = 0;
  uint64_t bytes = 0;
};
TreeTotals CountTree(TreeNode& root);

// The same tree for the FAT writer (symlinks are followed as the FAT scanner does; a dangling
// one is an error). Files of 4 GiB or more are all listed in one error.
absl::StatusOr<fat32::SourceTree> ToFatTree(TreeNode& root);

}  // namespace mediaforge::media
