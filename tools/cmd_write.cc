// mediaforge write IMAGE TARGET [TARGET...] [--verify] [--sha256] [--yes] [--force] [--json]
#include <sys/stat.h>

#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/destination.h"
#include "engine/image_source.h"
#include "engine/job.h"
#include "tools/commands.h"
#include "tools/job_cli.h"
#include "tools/target_guard.h"

namespace mediaforge::cli {
namespace {

struct WriteArgs {
  std::string image;
  std::vector<std::string> targets;
  bool verify = false;
  bool sha256 = false;
  std::string block_size = "4M";
  int buffers = 8;
  int readers = 0;
  GuardFlags guard;
  CommonFlags common;
};

int RunWrite(RunContext& ctx, const WriteArgs& args) {
  auto block = ParseSize(args.block_size);
  if (!block.ok() || *block < 4096 || *block > (256u << 20) || *block % 4096 != 0) {
    return ReportError(
        args.common,
        absl::InvalidArgumentError("--block-size must be a multiple of 4K between 4K and 256M"));
  }
  auto source = engine::OpenImageSource(args.image);
  if (!source.ok()) return ReportError(args.common, source.status());

  std::set<std::string> seen;
  for (const auto& t : args.targets) {
    if (!seen.insert(t).second) {
      return ReportError(args.common,
                         absl::InvalidArgumentError(absl::StrCat(t, ": named twice as a target")));
    }
    if (t == args.image) {
      return ReportError(args.common,
                         absl::InvalidArgumentError(absl::StrCat(t, ": is the image itself")));
    }
  }
  std::vector<std::string> refusals;
  const uint64_t need = source->size.value_or(0);
  int guard = GuardTargets(ctx, args.targets, need, args.guard,
                           absl::StrFormat("write %.1f MB", need / 1e6), &refusals);
  if (guard != kExitOk) {
    nlohmann::json j = {{"image", args.image},
                        {"bytes", 0},
                        {"sha256", nullptr},
                        {"targets", nlohmann::json::array()},
                        {"refused", refusals}};
    EmitJson(args.common, j);
    return guard;
  }

  std::vector<std::unique_ptr<engine::Destination>> opened;
  std::vector<engine::Destination*> destinations;
  for (const auto& t : args.targets) {
    auto d = engine::Destination::Open(t, {.device_guard_passed = true});
    if (!d.ok()) return ReportError(args.common, d.status());
    destinations.push_back(d->get());
    opened.push_back(std::move(*d));
  }
  auto layout = source->MakeLayout();
  if (!layout.ok()) return ReportError(args.common, layout.status());

  JobProgressLines progress(ctx, args.common, "write");
  auto report = engine::RunJob(*layout, destinations,
                               {.block_size = *block,
                                .buffers = args.buffers,
                                .fill_threads = args.readers,
                                .sha256 = args.sha256,
                                .verify = args.verify,
                                .sparse = true,  // image files only
                                .fresh_layout = [&] { return source->MakeLayout(); },
                                .progress = progress.Callback(),
                                .cancel = &ctx.cancel});
  progress.Finish();
  if (!report.ok()) return ReportError(args.common, report.status());

  int rc = kExitOk;
  nlohmann::json jtargets = nlohmann::json::array();
  for (const engine::JobTargetReport& t : report->targets) {
    jtargets.push_back(TargetJson(t));
    if (t.verify_mismatch) {
      Say(absl::StrCat("mediaforge: ", t.path, ": verify FAILED: first mismatching byte at offset ",
                       t.offset.value_or(0)));
      if (rc == kExitOk) rc = kExitProblem;
      continue;
    }
    if (!t.ok()) {
      Say(absl::StrCat("mediaforge: ", t.error.message()));
      rc = kExitError;
      continue;
    }
    Say(absl::StrFormat("%s: wrote %d bytes in %.2f s (%.1f MB/s)", t.path, t.bytes, t.seconds,
                        t.mb_per_s()));
    if (t.verified) {
      Say(absl::StrFormat("%s: verified %d bytes in %.2f s (%.1f MB/s)", t.path, t.verified_bytes,
                          t.verify_seconds,
                          t.verify_seconds > 0 ? t.verified_bytes / t.verify_seconds / 1e6 : 0));
    }
  }
  if (report->sha256) Say(absl::StrCat("sha256 ", *report->sha256, "  ", args.image));
  nlohmann::json j = {{"image", args.image},
                      {"ok", rc == kExitOk},
                      {"bytes", report->bytes},
                      {"sha256", report->sha256 ? nlohmann::json(*report->sha256) : nullptr},
                      {"compression", engine::CompressionName(source->compression)},
                      {"targets", jtargets}};
  EmitJson(args.common, j);
  return rc;
}

}  // namespace

void AddWriteCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<WriteArgs>();
  auto* cmd =
      app.add_subcommand("write", "Stream IMAGE (raw, .gz, .xz, .zst) onto every TARGET at once");
  cmd->add_option("IMAGE", args->image, "Image file")->required();
  cmd->add_option("TARGET", args->targets, "Block devices or image files")->required();
  cmd->add_flag("--verify", args->verify,
                "Read every target back (page cache bypassed) and compare; names the first "
                "mismatching byte");
  cmd->add_flag("--sha256", args->sha256, "Report the image's SHA-256 (computed while streaming)");
  cmd->add_option("--block-size", args->block_size, "Size of each write (default 4M)");
  cmd->add_option("--buffers", args->buffers, "Buffers in flight (default 8)");
  cmd->add_option("--readers", args->readers, "Threads reading the image (default: automatic)");
  AddGuardFlags(*cmd, args->guard);
  AddCommonFlags(*cmd, args->common);
  cmd->callback(
      [&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunWrite(ctx, *args)); });
}

}  // namespace mediaforge::cli
