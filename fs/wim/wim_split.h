// Splits the Windows images of a source into .swm parts small enough for FAT32, so that a stick
// made from a Windows tree or ISO keeps its install.wim/install.esd (Setup reads install.swm
// with install2.swm, ... when install.wim is absent).
//
//   auto wims = FindWimsInDirectory(dir, options.part_bytes);         // wim_find.h
//   auto plan = PlanWimSplit(*wims, options);   // inspects, checks sizes and staging space
//   auto staged = SplitWims(*plan, options);    // minutes: export (solid) + split, progress
//   ScanSourceTree(dir, (*staged)->substitutions());  // the FAT writer sees the parts
//   ... stream ...; the parts are removed when `staged` is destroyed (also on failure).
//
// wimlib cannot split solid resources (wimlib_split fails with WIMLIB_ERR_UNSUPPORTED), so a
// solid WIM/ESD is first exported non-solid into the staging directory (docs/WINDOWS.md has the
// measured XPRESS/LZX choice). wimlib cannot split one file's data across parts either: a WIM
// holding a file larger than the part size is refused by PlanWimSplit, naming the file.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/fat32/tree_planner.h"
#include "fs/wim/wim_find.h"
#include "fs/wim/wim_inspect.h"

namespace mediaforge::wim {

// 3800 MiB: below FAT32's 4 GiB - 1 with room for the part's own header, XML and blob table.
inline constexpr uint64_t kDefaultPartBytes = 3800ull << 20;

enum class ExportCompression { kXpress, kLzx };

struct WimSplitOptions {
  uint64_t part_bytes = kDefaultPartBytes;
  // Where a private staging directory is made (it must exist).
  std::string staging_parent = "/var/tmp";
  ExportCompression export_compression = ExportCompression::kXpress;
  // Called often during SplitWims with the work done and the whole (bytes).
  std::function<void(uint64_t done, uint64_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;  // set: SplitWims stops and returns Cancelled
};

struct WimSplitItem {
  WimInSource wim;
  // Known at planning for WIMs in a directory; for WIMs inside an ISO after their copy-out.
  std::optional<WimInspection> inspection;
  uint64_t part_bytes_estimate = 0;  // its parts (stay until the stream is done)
  uint64_t transient_bytes = 0;      // copy out of the ISO and/or non-solid export, while split
};

struct WimSplitPlan {
  std::vector<WimSplitItem> items;
  // Every item's parts (they stay until the stream is done) plus the largest transient file
  // (items are split one at a time). Solid WIMs count their export at an estimated ratio.
  uint64_t staging_bytes_needed = 0;
  uint64_t staging_bytes_free = 0;
  uint64_t work_bytes = 0;  // the progress total
};

// Pre-flight, writing nothing: opens each WIM with libwim (a WIM inside an ISO: header only),
// refuses one holding a file larger than the part size (naming it), and checks the free space
// of options.staging_parent against the estimate.
absl::StatusOr<WimSplitPlan> PlanWimSplit(const std::vector<WimInSource>& wims,
                                          const WimSplitOptions& options);

struct WimSplitResult {
  std::string shown;
  bool exported = false;  // solid: exported non-solid first
  std::string export_compression;
  std::vector<std::string> part_names;
  uint64_t part_bytes_total = 0;
  double export_seconds = 0;  // from the start to the end of the export (copy-out included)
  double seconds = 0;         // the whole phase of this WIM: copy-out, export, split
};

// The parts in their private staging directory; destroying it removes the directory.
class StagedWimParts {
 public:
  explicit StagedWimParts(std::string dir) : dir_(std::move(dir)) {}
  ~StagedWimParts();
  StagedWimParts(const StagedWimParts&) = delete;
  StagedWimParts& operator=(const StagedWimParts&) = delete;

  const std::string& dir() const { return dir_; }
  // One per WIM: skip it, add its parts beside it (for ScanSourceTree / TreeFromIso).
  const std::vector<fat32::SourceSubstitution>& substitutions() const { return substitutions_; }
  const std::vector<WimSplitResult>& results() const { return results_; }

 private:
  friend absl::StatusOr<std::unique_ptr<StagedWimParts>> SplitWims(const WimSplitPlan&,
                                                                   const WimSplitOptions&);
  std::string dir_;
  std::vector<fat32::SourceSubstitution> substitutions_;
  std::vector<WimSplitResult> results_;
};

// Runs the plan: per WIM, copy out of the ISO (if there), export non-solid (if solid), split
// into NAME.swm, NAME2.swm, ... each at most options.part_bytes. On any error or cancel the
// staging directory is already gone when this returns.
absl::StatusOr<std::unique_ptr<StagedWimParts>> SplitWims(const WimSplitPlan& plan,
                                                          const WimSplitOptions& options);

// Everything above for a directory tree, for callers that only want the result (the `create`
// spec): finds, plans and splits; an empty StagedWimParts when no WIM needs splitting.
absl::StatusOr<std::unique_ptr<StagedWimParts>> SplitWimsInDirectory(
    const std::string& dir, const WimSplitOptions& options);

const char* ExportCompressionName(ExportCompression c);

}  // namespace mediaforge::wim
