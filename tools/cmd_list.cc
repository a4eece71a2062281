// mediaforge list [--all] [--json]
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "device/block_info.h"
#include "device/guard.h"
#include "tools/commands.h"

namespace mediaforge::cli {
namespace {

struct ListArgs {
  bool all = false;
  CommonFlags common;
};

// Why a disk is no safe target, in the guard's words (empty: a removable disk not in use).
std::vector<std::string> UnsafeReasons(const device::BlockInfo& b) {
  std::vector<std::string> r;
  if (b.backs_root) r.push_back("holds the running system (/)");
  for (const auto& m : b.mounts) r.push_back(m);
  if (b.read_only) r.push_back("read-only");
  if (!b.removable) r.push_back("not removable (needs --force)");
  if (b.size > device::kLargeDiskBytes) r.push_back("larger than 2 TiB (needs --force)");
  return r;
}

int RunList(const ListArgs& args) {
  auto devices = device::ListBlockDevices();
  if (!devices.ok()) return ReportError(args.common, devices.status());
  nlohmann::json arr = nlohmann::json::array();
  int shown = 0;
  for (const auto& b : *devices) {
    if (!args.all && !b.removable) continue;
    auto reasons = UnsafeReasons(b);
    auto sigs = device::ProbeSignatures(b);
    nlohmann::json jsigs = nlohmann::json::array();
    std::vector<std::string> sig_text;
    for (const auto& s : sigs) {
      jsigs.push_back(
          {{"device", s.device}, {"type", s.type}, {"label", s.label}, {"uuid", s.uuid}});
      sig_text.push_back(absl::StrCat(s.device.substr(5), ":", s.type,
                                      s.label.empty() ? "" : absl::StrCat("(", s.label, ")")));
    }
    arr.push_back({{"path", b.path},
                   {"size", b.size},
                   {"vendor", b.vendor},
                   {"model", b.model},
                   {"transport", b.transport},
                   {"removable", b.removable},
                   {"read_only", b.read_only},
                   {"mounted", b.mounts},
                   {"partitions", b.partitions},
                   {"signatures", jsigs},
                   {"backing_file", b.loop_backing_file},
                   {"safe", reasons.empty()},
                   {"unsafe_reasons", reasons}});
    std::string who = absl::StrCat(b.vendor, b.vendor.empty() ? "" : " ", b.model);
    if (who.empty()) who = b.loop_backing_file;
    Say(absl::StrFormat(
        "%-14s %9.1f GiB  %-8s %-28s %s%s", b.path, b.size / double(1ull << 30), b.transport,
        who.substr(0, 28), absl::StrJoin(sig_text, " "),
        reasons.empty() ? "" : absl::StrCat("  [", absl::StrJoin(reasons, "; "), "]")));
    ++shown;
  }
  if (shown == 0) {
    Say(args.all ? "no disks found" : "no removable disks found (--all lists every disk)");
  }
  EmitJson(args.common, {{"devices", arr}});
  return kExitOk;
}

}  // namespace

void AddListCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<ListArgs>();
  auto* cmd = app.add_subcommand("list", "Candidate targets: removable disks (--all: every disk)");
  cmd->add_flag("--all", args->all, "Every disk, unsafe ones flagged with the reason");
  AddCommonFlags(*cmd, args->common);
  cmd->callback([&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunList(*args)); });
}

}  // namespace mediaforge::cli
