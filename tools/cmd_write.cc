// mediaforge write IMAGE TARGET [TARGET...] [--verify] [--sha256] [--bmap FILE | --no-bmap]
//     [--delta] [--yes] [--force] [--json]
#include <sys/stat.h>

#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/write_zeroes.h"
#include "engine/bmap_layout.h"
#include "engine/destination.h"
#include "engine/image_source.h"
#include "engine/job.h"
#include "engine/sparse_layout.h"
#include "tools/bmap_choice.h"
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
  std::string bmap;  // --bmap FILE
  bool no_bmap = false;
  bool no_zero_out = false;
  bool delta = false;
  GuardFlags guard;
  CommonFlags common;
};

// How to finish an interrupted write to a device: the same command with --delta writes only
// what is missing (the resume path, issue 12).
std::string ResumeHint(const WriteArgs& args) {
  std::string cmd = absl::StrCat("mediaforge write ", args.image);
  for (const auto& t : args.targets) absl::StrAppend(&cmd, " ", t);
  if (!args.bmap.empty()) absl::StrAppend(&cmd, " --bmap ", args.bmap);
  return absl::StrCat("mediaforge: to finish it, run `", cmd,
                      " --delta` (add --yes/--force as before): it compares every block and "
                      "writes only what is missing");
}

// --delta: compared vs written, and what a full write would have cost at the write rate
// measured while writing the differences.
void AddDeltaReport(const engine::JobTargetReport& t, uint64_t layout_bytes, nlohmann::json& jt) {
  jt["bytes_compared"] = t.bytes_compared;
  jt["ranges_rewritten"] = t.rewritten.size();
  std::optional<double> full;
  if (t.bytes > 0 && t.write_busy_seconds > 0) {
    full = layout_bytes / (t.bytes / t.write_busy_seconds);
  }
  jt["full_write_estimate_s"] = full ? nlohmann::json(*full) : nullptr;
  Say(absl::StrFormat("%s: delta: compared %d bytes, wrote %d bytes in %d ranges%s", t.path,
                      t.bytes_compared, t.bytes, t.rewritten.size(),
                      full ? absl::StrFormat("; a full write would take ~%.1f s at the measured "
                                             "%.1f MB/s",
                                             *full, t.bytes / t.write_busy_seconds / 1e6)
                           : ""));
}

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
  // bmap (issue 12): validated before any target is opened; a bad one is a refusal.
  auto bmap = ChooseBmap(*source, args.bmap, args.no_bmap);
  if (!bmap.ok()) {
    ReportError(args.common, bmap.status());
    return absl::IsNotFound(bmap.status()) ? kExitError : kExitProblem;
  }
  if (bmap->bmap) {
    Say(absl::StrFormat("%s: bmap %s%s (version %s): %d of %d bytes mapped", args.image,
                        bmap->bmap->path, bmap->discovered ? " found beside it" : "",
                        bmap->bmap->version(), bmap->bmap->mapped_bytes(), bmap->bmap->image_size));
  }

  std::vector<std::string> refusals;
  const uint64_t need = bmap->bmap ? bmap->bmap->image_size : source->size.value_or(0);
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
    auto d = engine::Destination::Open(t, DestinationOptionsFor(ctx, true));
    if (!d.ok()) return ReportError(args.common, d.status());
    destinations.push_back(d->get());
    opened.push_back(std::move(*d));
  }
  // Holes of a raw sparse image written without a bmap: a device is never assumed to read
  // zeros, so they are written; by BLKZEROOUT when every target offloads zeroing (sysfs
  // write_zeroes_max_bytes > 0), as zero pages otherwise. Measured in bench/compare-bmap.sh.
  bool zero_out_holes = !bmap->bmap && source->compression == engine::Compression::kNone &&
                        !args.no_zero_out && !args.delta && !destinations.empty();
  for (engine::Destination* d : destinations) {
    zero_out_holes = zero_out_holes && device::WriteZeroesMaxBytes(d->target()) > 0;
  }
  auto layout = bmap->bmap       ? engine::MakeBmapLayout(*source, *bmap->bmap)
                : zero_out_holes ? engine::MakeSparseRawLayout(args.image)
                                 : source->MakeLayout();
  if (!layout.ok()) return ReportError(args.common, layout.status());

  JobProgressLines progress(ctx, args.common, "write");
  auto report = engine::RunJob(*layout, destinations,
                               {.block_size = *block,
                                .buffers = args.buffers,
                                .fill_threads = args.readers,
                                .sha256 = args.sha256,
                                .verify = args.verify,
                                .sparse = true,                       // image files only
                                .skip_zero_extents = zero_out_holes,  // BLKZEROOUT below
                                .delta = args.delta,
                                // Holes are zeroed out below, before the destination is final.
                                .commit = !zero_out_holes,
                                .fresh_layout = [&] { return source->MakeLayout(); },
                                .progress = progress.Callback(),
                                .cancel = &ctx.cancel});
  progress.Finish();
  if (!report.ok()) {
    int rc = ReportError(args.common, report.status());
    bool any_device = false;
    for (engine::Destination* d : destinations) any_device |= d->is_device();
    if (any_device) Say(ResumeHint(args));
    // A mapped range whose checksum does not match: the image is not what its bmap says.
    return bmap->bmap && absl::IsDataLoss(report.status()) ? kExitProblem : rc;
  }

  int rc = kExitOk;
  nlohmann::json jtargets = nlohmann::json::array();
  for (size_t i = 0; i < report->targets.size(); ++i) {
    engine::JobTargetReport& t = report->targets[i];
    if (t.ok() && zero_out_holes) {
      auto zeroed = engine::ZeroOutZeroExtents(*layout, destinations[i]->target());
      if (zeroed.ok()) {
        Say(absl::StrFormat("%s: zeroed %d bytes of holes by BLKZEROOUT", t.path, *zeroed));
        if (auto s = destinations[i]->Commit(); !s.ok()) t.error = s;
      } else {
        t.error = zeroed.status();
      }
    }
    jtargets.push_back(TargetJson(t));
    if (t.verify_mismatch) {
      Say(absl::StrCat("mediaforge: ", t.path, ": verify FAILED: first mismatching byte at offset ",
                       t.offset.value_or(0)));
      if (rc == kExitOk) rc = kExitProblem;
      continue;
    }
    if (!t.ok()) {
      Say(absl::StrCat("mediaforge: ", t.error.message()));
      if (destinations[i]->is_device()) Say(ResumeHint(args));
      rc = kExitError;
      continue;
    }
    Say(absl::StrFormat("%s: wrote %d bytes in %.2f s (%.1f MB/s)", t.path, t.bytes, t.seconds,
                        t.mb_per_s()));
    if (args.delta) AddDeltaReport(t, report->bytes, jtargets.back());
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
                      {"bmap", bmap->bmap ? nlohmann::json(bmap->bmap->path) : nullptr},
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
  auto* bmap_opt = cmd->add_option("--bmap", args->bmap,
                                   "bmaptool block map: write only its mapped ranges, checking "
                                   "each range's checksum (default: IMAGE.bmap when present)");
  cmd->add_flag("--no-bmap", args->no_bmap, "Do not use a bmap found beside IMAGE")
      ->excludes(bmap_opt);
  cmd->add_flag("--delta", args->delta,
                "Read each target and write only the blocks that differ (refreshes an older "
                "version; finishes an interrupted write)");
  cmd->add_flag("--no-zero-out", args->no_zero_out,
                "Write a sparse image's holes as zeros even where the device offloads zeroing");
  AddGuardFlags(*cmd, args->guard);
  AddCommonFlags(*cmd, args->common);
  cmd->callback(
      [&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunWrite(ctx, *args)); });
}

}  // namespace mediaforge::cli
