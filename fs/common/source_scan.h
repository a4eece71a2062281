// The one scan of a source directory that the FAT and ISO writers plan from: every entry's name
// (bytes as the source file system has them), size, times, identity (device, inode, link count:
// hard links), symbolic links (followed, or kept as links), loops, and every entry that cannot
// be taken with the reason, named by its path. The scan judges nothing a writer decides: FAT's
// pre-flight (4 GiB files, names FAT cannot hold, case-only collisions) is a pass over this
// model in fs/fat32/tree_planner.h, ISO's naming a pass in fs/iso9660/source_tree.h and names.h.
//
// Hostile trees (docs/ARCHITECTURE.md, "Source trees"): "." and ".." entries are never taken;
// a followed link that leads back to a directory on the current path (a loop) and a dangling
// link are problems naming the link; absolute links are followed like any other (kFollow) or
// kept as they read (kKeep); devices, FIFOs and sockets are problems; directories nested more
// than kMaxScanDepth levels are not read (a problem). Names are not judged here at all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "device/problem.h"

namespace mediaforge::common {

// Which file an entry is: hard links share it; the output image inside the source is left out
// by it.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};

enum class SourceKind : uint8_t { kFile, kDirectory, kSymlink, kOther };

struct SourceEntry {
  std::string name;  // one path component as found (maybe not UTF-8); the root's is empty
  std::string path;  // the full source path: read by the engine, named in messages
  SourceKind kind = SourceKind::kOther;
  uint32_t mode = 0;  // st_mode (type and permission bits) of what was taken
  uint64_t size = 0;  // files: bytes
  int64_t mtime_sec = 0;
  int64_t mtime_nsec = 0;
  FileIdentity identity;
  uint64_t link_count = 1;     // st_nlink: a file with more is a hard link
  std::string symlink_target;  // kSymlink (kept links): the link as it reads
  // Non-empty: the entry cannot be taken, and why ("symbolic link loop: ..."); its children (if
  // any) were not read.
  std::string problem;
  std::vector<SourceEntry> children;  // directories: sorted by name (byte order)

  bool is_directory() const { return kind == SourceKind::kDirectory; }
  bool is_file() const { return kind == SourceKind::kFile; }
};

enum class SymlinkPolicy {
  kFollow,  // FAT has no links: take what a link points to (a dangling link is a problem)
  kKeep,    // Rock Ridge stores links: take the link itself (its target is not read)
};

struct ScanOptions {
  SymlinkPolicy symlinks = SymlinkPolicy::kFollow;
  std::vector<FileIdentity> exclude;  // regular files left out (the output image in the source)
};

// Deepest directory read below the source (the root's children are level 1); the scan recurses
// once per level, so a hostile tree cannot run it out of stack.
inline constexpr int kMaxScanDepth = 255;

// Scans `dir` (itself followed when it is a link). Errors only when `dir` is not a readable
// directory; everything below it that cannot be taken is an entry with a `problem`.
absl::StatusOr<SourceEntry> ScanSource(const std::string& dir, const ScanOptions& options);

// Every entry's problem, pre-order (names in byte order): `where` is the source path.
std::vector<device::Problem> ScanProblems(const SourceEntry& root);

// Problems one per line under a header line ("  PATH: what").
std::string DescribeProblems(const std::string& header,
                             const std::vector<device::Problem>& problems);

// The pre-flight failure of a source: InvalidArgument listing every problem, saying that
// nothing was written.
absl::Status SourceProblemsError(const std::string& dir,
                                 const std::vector<device::Problem>& problems);

}  // namespace mediaforge::common
