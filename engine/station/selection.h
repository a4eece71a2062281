// Which arriving disks the station may image (issue 13): removable disks only, unless the
// operator both allows non-removable ones and names them with a pattern; never a disk that is
// mounted, holds the running system, is stacked under something, or is read-only; optionally
// only disks within a size range or matching a pattern. Pure decisions over BlockInfo, so the
// rules are tested without hardware.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "device/block_info.h"

namespace mediaforge::engine::station {

struct SelectionRules {
  // Shell globs (fnmatch) tried against vendor, model, "vendor model", serial, path, name and a
  // loop device's backing file; empty: every disk passes this test.
  std::vector<std::string> patterns;
  std::optional<uint64_t> min_size, max_size;
  // Non-removable disks are allowed, but only those a pattern names.
  bool allow_fixed = false;
};

struct SelectionVerdict {
  bool selected = false;
  // The disk is one the operator could have meant (removable, or named by a pattern): worth
  // reporting even when refused; false for every other disk, which is ignored silently.
  bool candidate = false;
  std::string reason;  // why not selected
};

// True when one of `patterns` matches one of the disk's names (see SelectionRules::patterns).
bool MatchesAny(const device::BlockInfo& disk, const std::vector<std::string>& patterns);

SelectionVerdict Select(const device::BlockInfo& disk, const SelectionRules& rules);

}  // namespace mediaforge::engine::station
