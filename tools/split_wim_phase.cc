#include "tools/split_wim_phase.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fs/wim/wim_find.h"

namespace mediaforge::cli {

void AddSplitWimFlags(CLI::App& cmd, SplitWimFlags& flags) {
  flags.option = cmd.add_option("--split-wim", flags.size,
                                "Split every .wim/.esd larger than SIZE (default 3800M) into "
                                ".swm parts Windows Setup reads (give SIZE as --split-wim=SIZE)")
                     ->expected(0, 1);
  cmd.add_option("--staging", flags.staging,
                 "Directory for the .swm parts while they are copied (default $TMPDIR)");
}

absl::StatusOr<std::unique_ptr<wim::StagedWimParts>> RunSplitWimPhase(RunContext& ctx,
                                                                      const CommonFlags& common,
                                                                      const SplitWimFlags& flags,
                                                                      const std::string& source,
                                                                      bool source_is_iso) {
  if (!flags.requested()) return nullptr;
  wim::WimSplitOptions options;
  if (!flags.size.empty()) {
    auto size = ParseSize(flags.size);
    if (!size.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--split-wim takes a part size such as 3800M, not '", flags.size,
                       "' (write --split-wim=SIZE, or put --split-wim after SRC and TARGET)"));
    }
    options.part_bytes = *size;
  }
  const char* tmpdir = std::getenv("TMPDIR");
  options.staging_parent =
      !flags.staging.empty() ? flags.staging : (tmpdir != nullptr && *tmpdir ? tmpdir : "/tmp");
  options.cancel = &ctx.cancel;
  auto wims = source_is_iso ? wim::FindWimsInIso(source, options.part_bytes)
                            : wim::FindWimsInDirectory(source, options.part_bytes);
  if (!wims.ok()) return wims.status();
  auto plan = wim::PlanWimSplit(*wims, options);
  if (!plan.ok()) return plan.status();
  if (plan->items.empty()) return std::make_unique<wim::StagedWimParts>("");
  if (!source_is_iso) {
    // The rest of the tree's pre-flight (other files of 4 GiB, names) before minutes of
    // splitting: the WIMs stand aside for this scan.
    std::vector<fat32::SourceSubstitution> set_aside;
    for (const auto& item : plan->items) set_aside.push_back({item.wim.source_key, {}});
    auto scan = fat32::ScanSourceTree(source, set_aside);
    if (!scan.ok()) return scan.status();
  }
  std::vector<std::string> names;
  for (const auto& item : plan->items) names.push_back(item.wim.name);
  ProgressLine progress(ctx, common, absl::StrCat("split ", absl::StrJoin(names, ", ")));
  options.progress = [&](uint64_t done, uint64_t total) { progress.Update(done, total); };
  auto staged = wim::SplitWims(*plan, options);
  progress.Finish();
  if (!staged.ok()) return staged.status();
  for (const auto& r : (*staged)->results()) {
    Say(absl::StrCat(r.shown, ": ",
                     r.exported ? absl::StrCat("solid, exported ", r.export_compression, ", ") : "",
                     "split into ", absl::StrJoin(r.part_names, ", "), " (", r.part_bytes_total,
                     " bytes)"));
  }
  return staged;
}

absl::Status WithSplitWimHint(const absl::Status& status) {
  if (status.ok() || !absl::StrContains(status.message(), "can be split into .swm parts")) {
    return status;
  }
  return absl::Status(status.code(),
                      absl::StrCat(status.message(), "\n  use --split-wim to split them"));
}

int ReportSplitWimError(const CommonFlags& common, const absl::Status& status) {
  ReportError(common, status);
  return absl::IsFailedPrecondition(status) || absl::IsResourceExhausted(status) ? kExitProblem
                                                                                 : kExitError;
}

nlohmann::json SplitWimJson(const wim::StagedWimParts* staged) {
  nlohmann::json out = nlohmann::json::array();
  if (staged == nullptr) return out;
  for (const auto& r : staged->results()) {
    out.push_back({{"wim", r.shown},
                   {"exported", r.exported},
                   {"export_compression", r.export_compression},
                   {"parts", r.part_names},
                   {"part_bytes", r.part_bytes_total},
                   {"export_seconds", r.export_seconds},
                   {"seconds", r.seconds}});
  }
  return out;
}

}  // namespace mediaforge::cli
