#include "tools/target_guard.h"

#include "absl/strings/str_cat.h"
#include "device/guard.h"

namespace mediaforge::cli {

void AddGuardFlags(CLI::App& cmd, GuardFlags& flags) {
  cmd.add_flag("-y,--yes", flags.yes, "Do not ask for confirmation before overwriting a device");
  cmd.add_flag("--force", flags.force,
               "Allow non-removable devices and devices larger than 2 TiB (never mounted ones)");
}

namespace {

// The library names the condition; the CLI adds the flag that overrides it.
std::string WithRemedy(const device::GuardReason& r) {
  switch (r.override_by) {
    case device::GuardReason::Override::kForce:
      return absl::StrCat(r.what, "; pass --force if this really is the target");
    case device::GuardReason::Override::kConfirmation:
      return absl::StrCat(r.what, "; pass --yes to go ahead");
    case device::GuardReason::Override::kNone:
      break;
  }
  return r.what;
}

}  // namespace

int GuardTargets(const RunContext& ctx, const std::vector<std::string>& targets,
                 uint64_t required_bytes, const GuardFlags& flags, const std::string& action,
                 std::vector<std::string>* refusals) {
  device::GuardPolicy policy{flags.yes, flags.force, ctx.stdin_is_tty};
  std::vector<device::GuardDecision> to_confirm;
  int rc = kExitOk;
  for (const auto& t : targets) {
    auto d = device::CheckTarget(t, required_bytes, policy);
    if (!d.ok()) return ReportError(d.status());
    if (!d->allowed) {
      Say(absl::StrCat("mediaforge: refusing ", d->description));
      for (const auto& r : d->reasons) {
        Say(absl::StrCat("  - ", WithRemedy(r)));
        if (refusals) refusals->push_back(WithRemedy(r));
      }
      rc = kExitProblem;
      continue;
    }
    if (d->needs_confirmation) to_confirm.push_back(*d);
  }
  if (rc != kExitOk) {
    Say("mediaforge: nothing was written");
    return rc;
  }
  if (!to_confirm.empty()) {
    for (const auto& d : to_confirm) {
      Say(absl::StrCat("About to ", action, " on ", d.description, "; everything on it is lost."));
      for (const auto& r : d.reasons) Say(absl::StrCat("  - ", WithRemedy(r)));
    }
    if (!Confirm(ctx, "Continue?")) {
      Say("mediaforge: not confirmed; nothing was written");
      if (refusals) refusals->push_back("not confirmed");
      return kExitProblem;
    }
  }
  return kExitOk;
}

}  // namespace mediaforge::cli
