#include "device/guard.h"

#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/block_info.h"
#include "device/errors.h"

namespace mediaforge::device {

absl::StatusOr<GuardDecision> CheckTarget(const std::string& path, uint64_t required_bytes,
                                          const GuardPolicy& policy) {
  return CheckTarget(path, required_bytes, policy, ReadMountTable());
}

absl::StatusOr<GuardDecision> CheckTarget(const std::string& path, uint64_t required_bytes,
                                          const GuardPolicy& policy, const MountTable& table) {
  GuardDecision d;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoError(errno, "stat", path, std::nullopt);
    // A new image file: its directory must exist.
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && !std::filesystem::is_directory(parent)) {
      return absl::NotFoundError(
          absl::StrCat(path, ": directory ", parent.string(), " does not exist"));
    }
    d.allowed = true;
    d.description = absl::StrCat(path, ": new image file");
    return d;
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory; the target must be a block device or an image file"));
  }
  if (S_ISREG(st.st_mode)) {
    d.allowed = true;
    d.description = absl::StrCat(path, ": image file (", st.st_size, " bytes, will be replaced)");
    return d;
  }
  if (!S_ISBLK(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a block device or regular file"));
  }

  d.is_block_device = true;
  auto resolved = ResolveBlockDevice(path, table);
  if (!resolved.ok()) return resolved.status();
  const BlockInfo& disk = resolved->disk;
  std::string who(absl::StripAsciiWhitespace(absl::StrCat(disk.vendor, " ", disk.model)));
  d.description = absl::StrFormat("%s: %.1f GiB %s(%s%s)", path, disk.size / double(1ull << 30),
                                  who.empty() ? "" : who + " ", disk.transport,
                                  disk.removable ? ", removable" : "");

  using Override = GuardReason::Override;
  std::vector<GuardReason> hard, soft;
  if (disk.backs_root) {
    hard.push_back({absl::StrCat(disk.path, " holds the running system (/)")});
  }
  for (const auto& m : disk.mounts) hard.push_back({m});
  if (disk.read_only) hard.push_back({absl::StrCat(disk.path, " is read-only")});
  if (!disk.removable) {
    soft.push_back(
        {absl::StrCat(disk.path, " is not removable (", disk.transport, ")"), Override::kForce});
  }
  if (disk.size > kLargeDiskBytes) {
    soft.push_back({absl::StrCat(disk.path, " is larger than 2 TiB"), Override::kForce});
  }
  uint64_t target_size = disk.size;
  if (resolved->partition) {
    // A partition target: its own size is what counts.
    std::string part_name = std::filesystem::path(*resolved->partition).filename().string();
    std::string attr = absl::StrCat(disk.sysfs, "/", part_name, "/size");
    if (FILE* f = std::fopen(attr.c_str(), "r")) {
      unsigned long long sectors = 0;
      if (std::fscanf(f, "%llu", &sectors) == 1) target_size = sectors * 512;
      std::fclose(f);
    }
  }
  if (required_bytes > 0 && target_size < required_bytes) {
    hard.push_back(
        {absl::StrCat(path, " holds ", target_size, " bytes but ", required_bytes, " are needed")});
  }

  if (!hard.empty()) {
    d.reasons = std::move(hard);
    if (!policy.force) d.reasons.insert(d.reasons.end(), soft.begin(), soft.end());
    return d;  // refused whatever --yes/--force say
  }
  if (!soft.empty() && !policy.force) {
    d.reasons = std::move(soft);
    d.force_would_allow = true;
    return d;
  }
  if (!policy.yes && !policy.interactive) {
    d.reasons.push_back({absl::StrCat(path,
                                      ": no terminal to confirm overwriting a block device "
                                      "(everything on it is lost)"),
                         Override::kConfirmation});
    d.consent_would_allow = true;
    return d;
  }
  d.allowed = true;
  d.needs_confirmation = !policy.yes;
  if (d.needs_confirmation) {
    for (const auto& s : ProbeSignatures(disk)) {
      d.reasons.push_back({absl::StrCat(
          s.device, " holds ", s.type, s.label.empty() ? "" : absl::StrCat(" \"", s.label, "\""))});
    }
  }
  return d;
}

}  // namespace mediaforge::device
