// One directory hierarchy as recorded on the volume: the ISO9660 tree (with Rock Ridge System
// Use entries) or the Joliet tree. Both describe the same SourceNodes and point at the same file
// data. Planning sorts records (ECMA-119 9.3), sizes directories so that no record crosses a
// block (6.8.1.1), numbers directories for the path tables (6.9.1) and splits files of 4 GiB and
// more into several extents (level 3, 9.1.6 multi-extent flag).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/iso9660/on_disk.h"
#include "fs/iso9660/rock_ridge.h"
#include "fs/iso9660/source_tree.h"

namespace mediaforge::iso9660 {

enum class Flavor { kIso9660, kJoliet };

// Largest extent of a multi-extent file: block aligned, below 4 GiB.
inline constexpr uint64_t kMaxExtentBytes = 0xFFFFF800ull;

struct DirectoryPlan;

struct RecordPlan {
  const SourceNode* node = nullptr;
  const DirectoryPlan* directory = nullptr;  // self, parent and subdirectory records
  std::string identifier;                    // on-disk bytes: "\0" self, "\1" parent
  RecordRole role = RecordRole::kChild;
  uint32_t extent_index = 0;  // which piece of a multi-extent file
  bool final_extent = true;
  uint8_t length = 0;  // whole record, padded to even
  uint32_t offset_in_directory = 0;
  SystemUsePlan system_use;
};

struct DirectoryPlan {
  const SourceNode* node = nullptr;
  DirectoryPlan* parent = nullptr;  // the root's parent is itself
  std::string identifier;           // path table identifier; the root's is "\0"
  std::vector<RecordPlan> records;
  std::vector<DirectoryPlan*> subdirectories;  // in record order
  uint32_t blocks = 0;
  uint32_t lba = 0;
  uint16_t number = 0;  // path table directory number, 1 = root
};

// Extent `index` of a file: first block and length in bytes.
struct FileExtent {
  uint32_t lba;
  uint32_t length;
};
FileExtent ExtentOf(const SourceNode& node, uint32_t index);
uint32_t ExtentCount(const SourceNode& node);

class Hierarchy {
 public:
  // `timestamp_limit`: times later than this are written as it (reproducible builds).
  static absl::StatusOr<std::unique_ptr<Hierarchy>> Plan(const SourceNode& root, Flavor flavor,
                                                         bool rock_ridge, int64_t timestamp_limit);

  // Directories in path table order (breadth first, root first).
  const std::vector<std::unique_ptr<DirectoryPlan>>& directories() const { return directories_; }
  const DirectoryPlan& root() const { return *directories_.front(); }
  // Blocks of all directories plus the Rock Ridge continuation areas after them.
  uint32_t blocks() const { return directory_blocks_ + pool_.blocks(); }
  Flavor flavor() const { return flavor_; }

  // Places the directories one after the other from `first_lba`, then the continuation pool.
  void AssignLbas(uint32_t first_lba);
  uint32_t first_lba() const { return first_lba_; }

  // The bytes of every directory and continuation area (blocks() * 2048), after AssignLbas and
  // after file data LBAs are known.
  std::vector<std::byte> Serialize() const;

  // The 34-byte root directory record for the volume descriptor (ECMA-119 8.4.18).
  std::vector<std::byte> RootRecordForDescriptor() const;

  // ECMA-119 9.1.9: volume sequence number written in every record (multi-volume sets).
  void set_volume_sequence(uint16_t n) { volume_sequence_ = n; }

  int64_t Clamp(int64_t t) const { return t < timestamp_limit_ ? t : timestamp_limit_; }

 private:
  Hierarchy(Flavor flavor, bool rock_ridge, int64_t limit)
      : flavor_(flavor), rock_ridge_(rock_ridge), timestamp_limit_(limit) {}
  absl::Status PlanDirectory(DirectoryPlan& dir);
  void AddRecord(DirectoryPlan& dir, const SourceNode& node, const DirectoryPlan* directory,
                 std::string identifier, RecordRole role, uint32_t extent_index, bool final_extent);
  void WriteRecord(const RecordPlan& record, const DirectoryPlan& dir, std::byte* dst,
                   std::vector<std::byte>& pool_bytes) const;

  Flavor flavor_;
  bool rock_ridge_;
  int64_t timestamp_limit_;
  std::vector<std::unique_ptr<DirectoryPlan>> directories_;
  uint32_t directory_blocks_ = 0;
  uint16_t volume_sequence_ = 1;
  uint32_t first_lba_ = 0;
  uint32_t pool_lba_ = 0;
  ContinuationPool pool_;
};

}  // namespace mediaforge::iso9660
