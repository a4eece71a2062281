#include "engine/station/selection.h"

#include <fnmatch.h>

#include "absl/strings/str_cat.h"

namespace mediaforge::engine::station {

bool MatchesAny(const device::BlockInfo& disk, const std::vector<std::string>& patterns) {
  std::vector<std::string> names = {disk.vendor, disk.model, disk.serial,
                                    disk.path,   disk.name,  disk.loop_backing_file};
  if (!disk.vendor.empty() && !disk.model.empty()) {
    names.push_back(absl::StrCat(disk.vendor, " ", disk.model));
  }
  for (const auto& p : patterns) {
    for (const auto& n : names) {
      if (!n.empty() && ::fnmatch(p.c_str(), n.c_str(), 0) == 0) return true;
    }
  }
  return false;
}

SelectionVerdict Select(const device::BlockInfo& disk, const SelectionRules& rules) {
  SelectionVerdict v;
  const bool named = !rules.patterns.empty() && MatchesAny(disk, rules.patterns);
  if (!rules.patterns.empty() && !named) {
    v.reason = "not named by the match patterns";
    return v;
  }
  v.candidate = disk.removable || named;
  if (!disk.removable && !(rules.allow_fixed && named)) {
    v.reason = absl::StrCat(disk.path, " is not removable (", disk.transport, ")");
    return v;
  }
  if (disk.backs_root) {
    v.reason = absl::StrCat(disk.path, " holds the running system (/)");
    return v;
  }
  if (!disk.mounts.empty()) {
    v.reason = disk.mounts.front();  // mounted, swap, or held by a stacked device
    return v;
  }
  if (disk.read_only) {
    v.reason = absl::StrCat(disk.path, " is read-only");
    return v;
  }
  if (disk.size == 0) {
    v.reason = absl::StrCat(disk.path, " has no media");
    return v;
  }
  if (rules.min_size && disk.size < *rules.min_size) {
    v.reason = absl::StrCat(disk.path, " holds ", disk.size, " bytes, less than the minimum ",
                            *rules.min_size);
    return v;
  }
  if (rules.max_size && disk.size > *rules.max_size) {
    v.reason = absl::StrCat(disk.path, " holds ", disk.size, " bytes, more than the maximum ",
                            *rules.max_size);
    return v;
  }
  v.selected = true;
  return v;
}

}  // namespace mediaforge::engine::station
