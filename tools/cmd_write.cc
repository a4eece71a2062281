// mediaforge write IMAGE TARGET [TARGET...] [--verify] [--sha256] [--bmap FILE | --no-bmap]
//     [--yes] [--force] [--json]
#include <sys/stat.h>

#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/target.h"
#include "device/write_zeroes.h"
#include "engine/bmap_layout.h"
#include "engine/image_source.h"
#include "engine/sparse_layout.h"
#include "engine/stream_copy.h"
#include "tools/bmap_choice.h"
#include "tools/commands.h"
#include "tools/output_target.h"
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
void AddDeltaReport(const engine::TargetReport& tr, uint64_t layout_bytes, nlohmann::json& jt) {
  jt["bytes_compared"] = tr.bytes_compared;
  jt["ranges_rewritten"] = tr.rewritten.size();
  std::optional<double> full;
  if (tr.bytes_written > 0 && tr.write_busy_seconds > 0) {
    full = layout_bytes / (tr.bytes_written / tr.write_busy_seconds);
  }
  jt["full_write_estimate_s"] = full ? nlohmann::json(*full) : nullptr;
  Say(absl::StrFormat("%s: delta: compared %d bytes, wrote %d bytes in %d ranges%s", tr.path,
                      tr.bytes_compared, tr.bytes_written, tr.rewritten.size(),
                      full ? absl::StrFormat("; a full write would take ~%.1f s at the measured "
                                             "%.1f MB/s",
                                             *full, tr.bytes_written / tr.write_busy_seconds / 1e6)
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

  std::vector<std::unique_ptr<OutputTarget>> opened;
  for (const auto& t : args.targets) {
    auto o = OutputTarget::Open(t);
    if (!o.ok()) return ReportError(args.common, o.status());
    opened.push_back(std::move(*o));
  }
  std::vector<device::Target*> targets;
  for (auto& o : opened) targets.push_back(&o->target());

  // Holes of a raw sparse image written without a bmap: a device is never assumed to read
  // zeros, so they are written; by BLKZEROOUT when every target offloads zeroing (sysfs
  // write_zeroes_max_bytes > 0), as zero pages otherwise. Measured in bench/compare-bmap.sh.
  bool zero_out_holes = !bmap->bmap && source->compression == engine::Compression::kNone &&
                        !args.no_zero_out && !args.delta && !targets.empty();
  for (device::Target* t : targets) {
    zero_out_holes = zero_out_holes && device::WriteZeroesMaxBytes(*t) > 0;
  }
  auto layout = bmap->bmap       ? engine::MakeBmapLayout(*source, *bmap->bmap)
                : zero_out_holes ? engine::MakeSparseRawLayout(args.image)
                                 : source->MakeLayout();
  if (!layout.ok()) return ReportError(args.common, layout.status());

  ProgressLine progress(ctx, args.common, "write");
  engine::CopyOptions opts;
  opts.block_size = *block;
  opts.buffers = args.buffers;
  opts.fill_threads = args.readers;
  opts.sha256 = args.sha256;
  opts.block_digests = args.verify;
  opts.sparse_zero_pages = true;            // applies to image-file targets only
  opts.skip_zero_extents = zero_out_holes;  // zeroed by BLKZEROOUT below
  opts.delta = args.delta;
  opts.cancel = &ctx.cancel;
  opts.progress = [&](uint64_t done, uint64_t total) { progress.Update(done, total); };
  auto report = engine::StreamLayout(*layout, targets, opts);
  progress.Finish();
  if (!report.ok()) {
    int rc = ReportError(args.common, report.status());
    // A mapped range whose checksum does not match: the image is not what its bmap says.
    return bmap->bmap && absl::IsDataLoss(report.status()) ? kExitProblem : rc;
  }
  if (report->cancelled) {
    Say(absl::StrCat("mediaforge: interrupted after ", report->bytes,
                     " bytes; device targets hold a partial image, image files were not written"));
    Say(ResumeHint(args));
    return kExitError;
  }

  int rc = kExitOk;
  nlohmann::json jtargets = nlohmann::json::array();
  for (size_t i = 0; i < opened.size(); ++i) {
    OutputTarget& o = *opened[i];
    const auto& tr = report->targets[i];
    nlohmann::json jt = {{"path", o.path()},      {"bytes", tr.bytes_written},
                         {"seconds", tr.seconds}, {"mb_per_s", tr.mb_per_s()},
                         {"verified", nullptr},   {"error", nullptr},
                         {"offset", nullptr}};
    absl::Status status = tr.status;
    if (status.ok() && zero_out_holes) {
      auto zeroed = engine::ZeroOutZeroExtents(*layout, o.target());
      if (zeroed.ok()) {
        Say(absl::StrFormat("%s: zeroed %d bytes of holes by BLKZEROOUT", o.path(), *zeroed));
        jt["zeroed_bytes"] = *zeroed;
      }
      status = zeroed.status();
    }
    if (!status.ok()) {
      std::string msg = o.UserMessage(status.message());
      Say(absl::StrCat("mediaforge: ", msg));
      jt["error"] = msg;
      if (tr.error_offset) jt["offset"] = *tr.error_offset;
      if (!o.is_file()) Say(ResumeHint(args));
      rc = kExitError;
    } else {
      Say(absl::StrFormat("%s: wrote %d bytes in %.2f s (%.1f MB/s)", o.path(), tr.bytes_written,
                          tr.seconds, tr.mb_per_s()));
      if (args.delta) AddDeltaReport(tr, report->bytes, jt);
      if (args.verify) {
        ProgressLine vprogress(ctx, args.common, "verify " + o.path());
        engine::VerifyOptions vopts;
        vopts.block_size = *block;
        vopts.cancel = &ctx.cancel;
        vopts.progress = [&](uint64_t d, uint64_t t) { vprogress.Update(d, t); };
        auto exact_layout = source->MakeLayout();
        auto v = engine::VerifyDigests(o.target(), report->digests, vopts,
                                       exact_layout.ok() ? &*exact_layout : nullptr);
        vprogress.Finish();
        if (!v.ok()) {
          Say(absl::StrCat("mediaforge: verify of ", o.path(), " failed: ", v.status().message()));
          jt["verified"] = false;
          jt["error"] = std::string(v.status().message());
          rc = kExitError;
        } else if (!v->match) {
          jt["verified"] = false;
          if (v->first_mismatch) {
            jt["offset"] = *v->first_mismatch;
            jt["error"] =
                absl::StrCat("verify: first mismatch at byte offset ", *v->first_mismatch);
            Say(absl::StrCat("mediaforge: ", o.path(),
                             ": verify FAILED: first mismatching byte at offset ",
                             *v->first_mismatch));
          } else {
            jt["error"] = "verify interrupted";
          }
          if (rc == kExitOk) rc = kExitProblem;
        } else {
          jt["verified"] = true;
          Say(absl::StrFormat("%s: verified %d bytes in %.2f s (%.1f MB/s)", o.path(),
                              v->bytes_compared, v->seconds,
                              v->seconds > 0 ? v->bytes_compared / v->seconds / 1e6 : 0));
        }
      }
    }
    jtargets.push_back(jt);
  }
  // Image files: keep the finished ones; failed ones are dropped (an older file stays as it was).
  for (size_t i = 0; i < opened.size(); ++i) {
    if (!jtargets[i]["error"].is_null()) continue;
    if (auto s = opened[i]->Commit(); !s.ok()) {
      Say(absl::StrCat("mediaforge: ", s.message()));
      rc = kExitError;
    }
  }
  if (report->sha256) Say(absl::StrCat("sha256 ", *report->sha256, "  ", args.image));
  nlohmann::json j = {{"image", args.image},
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
  cmd->callback([&ctx, args] { ctx.exit_code = RunWrite(ctx, *args); });
}

}  // namespace mediaforge::cli
