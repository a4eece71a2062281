// Directories of a source tree as FAT sees them: every entry's short name, lower-case bits and
// long name (names are decided per directory, exact 8.3 names first), the slot count that
// sizes each directory, and the encoding of a directory's clusters once clusters are assigned.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/fat32/on_disk.h"
#include "fs/fat32/short_names.h"
#include "fs/fat32/tree_planner.h"

namespace mediaforge::fat32 {

// FAT's limit on a directory: 65536 32-byte entries (2 MiB), "." and ".." included.
inline constexpr uint32_t kMaxDirEntries = 65536;

struct PlannedEntry {
  const SourceNode* node = nullptr;
  ShortName short_name{};
  uint8_t case_bits = 0;
  std::u16string long_name;  // empty when the short name says it all
  uint32_t dir_index = 0;    // subdirectories: index into the directory list
  uint32_t first_cluster = 0;
};

struct PlannedDir {
  const SourceNode* node = nullptr;
  bool is_root = false;
  uint32_t parent = 0;  // index of the parent directory (root: itself)
  std::vector<PlannedEntry> entries;
  uint32_t slots = 0;          // 32-byte entries, dot entries and the root's label included
  uint32_t first_cluster = 0;  // 0 for a FAT12/16 root (fixed region)
  uint32_t clusters = 0;
};

// Timestamps as FAT stores them (UTC, 2-second resolution for the write time).
struct FatTimestamp {
  uint16_t date = 0x21;  // 1980-01-01
  uint16_t time = 0;
  uint8_t tenth = 0;  // DIR_CrtTimeTenth
};
// Clamped into FAT's 1980-2107 range; with `clamp_to`, times later than it become it.
FatTimestamp EncodeTimestamp(int64_t sec, int64_t nsec, std::optional<int64_t> clamp_to);
int64_t DecodeTimestamp(uint16_t date, uint16_t time);  // seconds since the epoch (UTC)

// Plans the names of every directory, pre-order (root first). `has_label` reserves the root's
// volume-label entry. Errors name the directory (over the 65536-entry limit).
absl::StatusOr<std::vector<PlannedDir>> PlanDirectories(const SourceTree& tree, bool has_label);

struct DirEncodeContext {
  uint32_t cluster_bytes = 0;
  std::optional<int64_t> clamp_to;
  std::optional<ShortName> label;  // root only
};

// Fills `out` (the directory's clusters, or the FAT12/16 root region; zeroed by the caller) with
// the entries of `dir`; children's first clusters must be set. `parent_cluster` is 0 for
// children of the root.
void EncodeDirectory(const PlannedDir& dir, uint32_t parent_cluster, const DirEncodeContext& ctx,
                     std::span<std::byte> out);

}  // namespace mediaforge::fat32
