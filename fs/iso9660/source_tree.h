// The tree being written: what the source directory holds (files, directories, symlinks), plus
// in-memory files the writer adds (a patched boot image, the multi-volume manifest). It is built
// from the one source scan (fs/common/source_scan.h, links kept: Rock Ridge stores them), the
// only place the writer touches the source file system before streaming. Names stay as found:
// the ISO9660 and Joliet name spaces are made from them per directory (names.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/common/source_scan.h"

namespace mediaforge::iso9660 {

// A file to leave out of the scan, by device and inode (the output image inside SRC_DIR).
using common::FileIdentity;

struct SourceNode {
  enum class Kind : uint8_t { kFile, kDirectory, kSymlink };

  std::string name;  // POSIX name, as found (the root's is empty)
  Kind kind = Kind::kFile;
  uint32_t mode = 0;        // st_mode: type and permission bits
  int64_t mtime = 0;        // seconds since the epoch
  uint64_t size = 0;        // files: bytes
  std::string source_path;  // files: where the bytes come from
  // Files: content held in memory instead of source_path (patched boot images, manifests).
  std::shared_ptr<const std::vector<std::byte>> content;
  std::string symlink_target;
  SourceNode* parent = nullptr;
  std::vector<std::unique_ptr<SourceNode>> children;  // directories: sorted by name

  // Files with more than one hard link: their identity, so the data is stored once.
  std::optional<FileIdentity> hard_link;

  // Placement, filled by the writer: first block of a file's data (files are contiguous).
  uint32_t data_lba = 0;
  bool shares_data = false;  // another hard link of the same file carries the data

  bool is_directory() const { return kind == Kind::kDirectory; }
  bool is_file() const { return kind == Kind::kFile; }
  // Path relative to the root, '/'-separated ("" for the root).
  std::string RelativePath() const;
};

// Scans `root` (symlinks below it are kept as symlinks) and builds the tree from it. Every entry
// the scan could not take (devices, FIFOs, sockets, unreadable files and directories, loops
// through bind mounts, nesting deeper than common::kMaxScanDepth) is listed in one
// InvalidArgument naming each path. Regular files listed in `exclude` are skipped.
absl::StatusOr<std::unique_ptr<SourceNode>> ScanSourceTree(
    const std::string& root, const std::vector<FileIdentity>& exclude = {});

// The ISO tree of a scan without problems (ScanProblems empty); symlinks kept as links.
std::unique_ptr<SourceNode> IsoTreeFromScan(common::SourceEntry scanned);

// Finds `relative_path` ("boot/isolinux.bin", leading/trailing slashes ignored) below `root`.
SourceNode* FindNode(SourceNode& root, const std::string& relative_path);

// Adds an in-memory file to `directory` (replacing nothing: the name must be free).
absl::StatusOr<SourceNode*> AddMemoryFile(SourceNode& directory, const std::string& name,
                                          std::vector<std::byte> content, int64_t mtime);

// Visits every node depth-first, children in name order (pre-order).
template <typename Fn>
void ForEachNode(SourceNode& node, Fn&& fn) {
  fn(node);
  for (auto& child : node.children) ForEachNode(*child, fn);
}

}  // namespace mediaforge::iso9660
