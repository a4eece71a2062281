// What a disk or image holds, checked piece by piece: partition tables (MBR, both GPT copies),
// FAT volumes (whole device or per partition), ISO9660 + Joliet + Rock Ridge + El Torito and the
// hybrid tables. The library behind `mediaforge verify TARGET`: it returns what it found and
// every problem as data; the CLI prints them.
//
// The inspection is a list of checks run in order over one InspectionContext; each appends
// findings to the report and what it learned (FAT volumes, the partition table) to the context
// for the checks after it. A new audit (e.g. of the EFI executables on the FAT volumes) is one
// more MediaCheck appended to DefaultMediaChecks().
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/partition_table.h"
#include "device/problem.h"
#include "device/target.h"

namespace mediaforge::inspect {

struct MediaReport {
  std::vector<std::string> found;  // "MBR with 1 partition", "FAT volume at byte 1048576", ...
  std::vector<device::Problem> problems;
};

// A FAT volume a check found (the superfloppy or a partition's).
struct FatVolumeAt {
  std::string where;  // "stick.img partition 1"
  uint64_t offset = 0;
};

struct InspectionContext {
  device::Target& target;
  std::vector<std::byte> head;  // the first 64 KiB (less on a smaller target)
  bool iso = false;             // an ISO9660 volume descriptor at 32 KiB
  std::optional<device::PartitionTableInfo> table;
  std::vector<FatVolumeAt> fat_volumes;
  // A check has settled what the media is (a superfloppy) or that it holds no structure: the
  // layout checks after it skip; audits of what was found (fat_volumes) still run.
  bool layout_settled = false;
};

// One check: appends to `report` (problems are data; a Status error only when the target cannot
// be read at all) and may fill in `context` for later checks.
using MediaCheck = std::function<absl::Status(InspectionContext& context, MediaReport& report)>;

// The checks `verify TARGET` runs, in order.
std::vector<MediaCheck> DefaultMediaChecks();

// Runs every one of `checks` (DefaultMediaChecks() when empty) over `target`, in order.
absl::StatusOr<MediaReport> InspectMedia(device::Target& target,
                                         const std::vector<MediaCheck>& checks = {});

}  // namespace mediaforge::inspect
