// The wrong-disk guard (cli-contract.md): decides, before the first destructive byte, whether a
// target may be written.
//   - mounted (any partition, swap, or anything stacked on it) or backing "/": always refused;
//   - non-removable, or larger than 2 TiB: refused unless --force;
//   - no TTY and no --yes: refused; on a TTY without --yes: ask;
//   - smaller than what will be written: refused.
// Regular files (existing or to be created) need none of this; a directory is an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/block_info.h"

namespace mediaforge::device {

inline constexpr uint64_t kLargeDiskBytes = 2ull << 40;  // 2 TiB

struct GuardPolicy {
  bool yes = false;          // --yes: no confirmation needed
  bool force = false;        // --force: non-removable and > 2 TiB allowed
  bool interactive = false;  // stdin is a TTY: the CLI may ask
};

// A reason names the condition; what overrides it (if anything) is for the caller to phrase.
struct GuardReason {
  enum class Override { kNone, kForce, kConfirmation };
  std::string what;  // "/dev/sdb is not removable (sata)"
  Override override_by = Override::kNone;
};

struct GuardDecision {
  bool is_block_device = false;
  bool allowed = false;              // go ahead (after confirmation if needs_confirmation)
  bool needs_confirmation = false;   // ask the user first (TTY, no --yes)
  std::vector<GuardReason> reasons;  // why refused, or what the user is about to overwrite
  std::string description;           // "/dev/sdb: 14.9 GiB SanDisk Ultra (usb)"
  // Refused only for reasons the user may overrule (the CLI names its flag as the remedy):
  bool force_would_allow = false;    // non-removable or > 2 TiB (GuardPolicy::force)
  bool consent_would_allow = false;  // no terminal to ask on (GuardPolicy::yes)
};

// `required_bytes`: how much will be written (0 when unknown). Errors (exit 2) for paths that
// are neither block devices nor regular files (directories, missing parent directory).
absl::StatusOr<GuardDecision> CheckTarget(const std::string& path, uint64_t required_bytes,
                                          const GuardPolicy& policy);
// The same against a given mount table (tests: a mountinfo fixture, block_info.h).
absl::StatusOr<GuardDecision> CheckTarget(const std::string& path, uint64_t required_bytes,
                                          const GuardPolicy& policy, const MountTable& table);

}  // namespace mediaforge::device
