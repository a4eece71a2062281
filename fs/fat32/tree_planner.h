// The tree the FAT writer plans from, and FAT's pre-flight pass over the one source scan
// (fs/common/source_scan.h, links followed): the checks that must pass before the first byte is
// written - files of 4 GiB or more (all listed with path and size), names FAT cannot hold,
// names that collide when case is ignored - besides what the scan found (link loops, dangling
// links, special files, unreadable files). Every problem is collected; the error lists them all.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/problem.h"
#include "fs/common/source_scan.h"

namespace mediaforge::fat32 {

// Largest file FAT can hold (DIR_FileSize is 32 bits).
inline constexpr uint64_t kMaxFatFileSize = 0xFFFFFFFFull;

struct SourceNode {
  std::string name;  // one path component, UTF-8 as the source file system has it
  std::string path;  // full source path (read by the engine, named in messages)
  bool is_dir = false;
  uint64_t size = 0;  // files
  // Files: where the content starts inside `path` (non-zero for trees built from one big file,
  // such as the files of an ISO image).
  uint64_t source_offset = 0;
  int64_t mtime_sec = 0;
  int64_t mtime_nsec = 0;
  std::vector<SourceNode> children;  // directories: sorted by name (byte order)
};

struct SourceTree {
  SourceNode root;
  uint64_t files = 0;
  uint64_t directories = 0;  // not counting the root
  uint64_t file_bytes = 0;
};

// A pre-flight finding: `where` is the source path (no offset: nothing is on a target yet).
using PreflightProblem = device::Problem;

// A source file replaced by other files in its directory (a WIM split into .swm parts kept in a
// staging directory, fs/wim/): the file at `source_path` is skipped and `files` (name, path,
// size, mtime) are added beside it under their names, checked like scanned names.
struct SourceSubstitution {
  std::string source_path;  // as SourceNode::path has it (or the path inside an ISO)
  std::vector<SourceNode> files;
};

// Scans `dir` (following symlinks) and runs FatPreflight. On any problem returns
// InvalidArgument whose message lists every problem found, one per line as "PATH: what".
absl::StatusOr<SourceTree> ScanSourceTree(const std::string& dir);
absl::StatusOr<SourceTree> ScanSourceTree(const std::string& dir,
                                          const std::vector<SourceSubstitution>& substitutions);

// FAT's pass over a scanned source (links followed): the FAT tree, or every problem - the
// scan's and FAT's own, in the order of the tree.
absl::StatusOr<SourceTree> FatPreflight(common::SourceEntry scanned,
                                        const std::vector<SourceSubstitution>& substitutions);

// The names of one FAT directory as FAT compares them (case ignored, fatgen103 "FAT Long
// Directory Entries"): Admit says why a name cannot join (FAT cannot hold it, or it collides
// with one admitted before), or nullopt after admitting it.
class FatDirectoryNames {
 public:
  std::optional<std::string> Admit(const std::string& name);

 private:
  std::map<std::u16string, std::string> folded_;  // upper-cased UTF-16 -> the name admitted
};

// The problem text of a name colliding with `other` when case is ignored.
std::string CaseCollision(const std::string& other);

// The pre-flight text for a file too large for FAT; names the way out for Windows images.
std::string TooLargeForFat(const std::string& name, uint64_t size);

// Formats problems one per line for an error message, with a header line.
using common::DescribeProblems;

}  // namespace mediaforge::fat32
