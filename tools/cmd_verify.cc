// mediaforge verify TARGET [--image IMAGE [--repair] | --sha256 HEX [--length SIZE]]
//     [--secure-boot] [--json]
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/target.h"
#include "engine/image_source.h"
#include "engine/stream_copy.h"
#include "fs/inspect/media_inspect.h"
#include "fs/media/media_show.h"
#include "tools/commands.h"
#include "tools/secure_boot_report.h"
#include "tools/target_guard.h"

namespace mediaforge::cli {
namespace {

using device::Problem;

struct VerifyArgs {
  std::string target;
  std::string image;
  std::string sha256;
  std::string length;
  std::string block_size = "4M";
  bool secure_boot = false;  // an unsigned or tampered default loader is a problem
  bool repair = false;
  GuardFlags guard;
  CommonFlags common;
};

nlohmann::json ProblemsJson(const std::vector<Problem>& problems) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& p : problems) {
    arr.push_back({{"where", p.where},
                   {"offset", p.offset ? nlohmann::json(*p.offset) : nullptr},
                   {"what", p.what}});
  }
  return arr;
}

int Finish(const VerifyArgs& args, std::vector<Problem> problems, nlohmann::json extra) {
  for (const auto& p : problems) {
    Say(absl::StrCat("problem: ", p.where, p.offset ? absl::StrCat(" @", *p.offset) : "", ": ",
                     p.what));
  }
  bool ok = problems.empty();
  Say(ok ? absl::StrCat(args.target, ": OK")
         : absl::StrCat(args.target, ": ", problems.size(), " problem(s) found"));
  nlohmann::json j = {{"target", args.target}, {"ok", ok}, {"problems", ProblemsJson(problems)}};
  j.update(extra);
  EmitJson(args.common, j);
  return ok ? kExitOk : kExitProblem;
}

// --repair (issue 12): one delta pass rewrites exactly the 4 KiB pages that differ from the
// image, then the rewritten blocks are read back again. Exit 0 when every one took the data,
// 1 naming the first that did not (a failing medium).
int RunRepair(RunContext& ctx, const VerifyArgs& args, size_t block) {
  auto source = engine::OpenImageSource(args.image);
  if (!source.ok()) return ReportError(args.common, source.status());
  int guard = GuardTargets(ctx, {args.target}, source->size.value_or(0), args.guard,
                           absl::StrCat("repair from ", args.image));
  if (guard != kExitOk) {
    EmitJson(args.common, {{"ok", false}, {"error", "target refused; nothing was written"}});
    return guard;
  }
  auto target = device::OpenTarget(args.target, {.write = true});
  if (!target.ok()) return ReportError(args.common, target.status());
  auto layout = source->MakeLayout();
  if (!layout.ok()) return ReportError(args.common, layout.status());
  ProgressLine progress(ctx, args.common, "repair");
  engine::CopyOptions opts;
  opts.block_size = block;
  opts.delta = true;
  // Digests only where a compressed image's rewritten blocks must be read back again.
  opts.block_digests = source->compression != engine::Compression::kNone;
  opts.resize_files = false;  // an image file is repaired in place, never resized
  opts.cancel = &ctx.cancel;
  opts.progress = [&](uint64_t d, uint64_t t) { progress.Update(d, t); };
  device::Target* targets[] = {target->get()};
  auto report = engine::StreamLayout(*layout, targets, opts);
  progress.Finish();
  if (!report.ok()) return ReportError(args.common, report.status());
  if (report->cancelled)
    return ReportError(args.common, absl::CancelledError("repair interrupted"));
  const auto& tr = report->targets[0];
  std::vector<Problem> problems;
  nlohmann::json repaired = nlohmann::json::array();
  for (const auto& r : tr.rewritten) {
    repaired.push_back({{"offset", r.offset}, {"length", r.length}});
    Say(absl::StrFormat("repaired %d bytes at offset %d", r.length, r.offset));
  }
  if (!tr.status.ok()) {
    problems.push_back({args.target, tr.error_offset,
                        absl::StrCat("will not take the data: ", tr.status.message())});
  } else if (!tr.rewritten.empty()) {
    // Read back only what was rewritten, cache bypassed: each range against the image (raw
    // images read at any offset), or the digested blocks holding it (a compressed image would be
    // decompressed again for every range).
    engine::VerifyOptions vopts;
    vopts.block_size = block;
    vopts.cancel = &ctx.cancel;
    auto exact = source->MakeLayout();
    if (!exact.ok()) return ReportError(args.common, exact.status());
    std::optional<uint64_t> bad;
    if (source->compression == engine::Compression::kNone) {
      if (auto s = (*target)->DropCache(); !s.ok()) return ReportError(args.common, s);
      vopts.drop_cache = false;
      for (const auto& range : tr.rewritten) {
        vopts.range_start = range.offset;
        vopts.range_length = range.length;
        // Chunks are cut at multiples of the block size: small ranges read just their pages.
        vopts.block_size = range.length < block ? 4096 : block;
        auto v = engine::VerifyLayout(*exact, **target, vopts);
        if (!v.ok()) return ReportError(args.common, v.status());
        if (v->first_mismatch && !bad) bad = v->first_mismatch;
      }
    } else {
      std::vector<engine::BlockDigest> again;
      size_t r = 0;
      for (const auto& d : report->digests) {
        while (r < tr.rewritten.size() &&
               tr.rewritten[r].offset + tr.rewritten[r].length <= d.offset) {
          ++r;
        }
        if (r < tr.rewritten.size() && tr.rewritten[r].offset < d.offset + d.length) {
          again.push_back(d);
        }
      }
      auto v = engine::VerifyDigests(**target, again, vopts, &*exact);
      if (!v.ok()) return ReportError(args.common, v.status());
      if (!v->match) bad = v->first_mismatch.value_or(0);
    }
    if (bad) {
      problems.push_back({args.target, bad,
                          "still differs after being rewritten: this block will not take the "
                          "data (failing medium)"});
    }
  }
  Say(absl::StrFormat("compared %d bytes, rewrote %d bytes in %d ranges", tr.bytes_compared,
                      tr.bytes_written, tr.rewritten.size()));
  return Finish(args, problems,
                {{"image", args.image},
                 {"bytes", tr.bytes_compared},
                 {"bytes_rewritten", tr.bytes_written},
                 {"repaired", repaired}});
}

int RunVerify(RunContext& ctx, const VerifyArgs& args) {
  auto block = ParseSize(args.block_size);
  if (!block.ok()) return ReportError(args.common, block.status());
  if (!args.image.empty() && !args.sha256.empty()) {
    return ReportError(args.common,
                       absl::InvalidArgumentError("--image and --sha256 exclude each other"));
  }
  if (args.repair) {
    if (args.image.empty()) {
      return ReportError(args.common, absl::InvalidArgumentError("--repair needs --image"));
    }
    return RunRepair(ctx, args, *block);
  }
  // Read-only, not exclusive: verifying a mounted stick is allowed.
  auto target = device::OpenTarget(args.target, {.write = false, .exclusive = false});
  if (!target.ok()) return ReportError(args.common, target.status());

  engine::VerifyOptions vopts;
  vopts.block_size = *block;
  vopts.cancel = &ctx.cancel;
  std::vector<Problem> problems;

  if (!args.image.empty()) {
    auto source = engine::OpenImageSource(args.image);
    if (!source.ok()) return ReportError(args.common, source.status());
    if (source->size && (*target)->size() < *source->size) {
      problems.push_back(
          {args.target, (*target)->size(),
           absl::StrCat("target holds ", (*target)->size(), " bytes, the image ", *source->size)});
      return Finish(args, problems, {});
    }
    auto layout = source->MakeLayout();
    if (!layout.ok()) return ReportError(args.common, layout.status());
    ProgressLine progress(ctx, args.common, "verify");
    vopts.progress = [&](uint64_t d, uint64_t t) { progress.Update(d, t); };
    auto r = engine::VerifyLayout(*layout, **target, vopts);
    progress.Finish();
    if (!r.ok()) return ReportError(args.common, r.status());
    if (r->cancelled) return ReportError(args.common, absl::CancelledError("verify interrupted"));
    if (r->first_mismatch) {
      problems.push_back({args.target, *r->first_mismatch,
                          absl::StrCat("differs from ", args.image, " (first mismatching byte)")});
    }
    double mbs = r->seconds > 0 ? r->bytes_compared / r->seconds / 1e6 : 0;
    Say(absl::StrFormat("compared %d bytes in %.2f s (%.1f MB/s)", r->bytes_compared, r->seconds,
                        mbs));
    nlohmann::json extra = {
        {"image", args.image},
        {"bytes", r->bytes_compared},
        {"seconds", r->seconds},
        {"mb_per_s", mbs},
        {"first_mismatch", r->first_mismatch ? nlohmann::json(*r->first_mismatch) : nullptr}};
    // --secure-boot beside a comparison: the audit too (a plain comparison skips it).
    if (args.secure_boot) {
      if (auto s = ReportSecureBoot(**target, true, problems, extra); !s.ok()) {
        return ReportError(args.common, s);
      }
    }
    return Finish(args, problems, extra);
  }

  if (!args.sha256.empty()) {
    std::string want = absl::AsciiStrToLower(args.sha256);
    if (want.size() != 64 || want.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return ReportError(args.common, absl::InvalidArgumentError("--sha256 wants 64 hex digits"));
    }
    uint64_t length = (*target)->size();
    if (!args.length.empty()) {
      auto l = ParseSize(args.length);
      if (!l.ok()) return ReportError(args.common, l.status());
      length = *l;
    }
    ProgressLine progress(ctx, args.common, "hash");
    vopts.progress = [&](uint64_t d, uint64_t t) { progress.Update(d, t); };
    auto got = engine::HashTarget(**target, length, vopts);
    progress.Finish();
    if (!got.ok()) return ReportError(args.common, got.status());
    if (*got != want) {
      problems.push_back(
          {args.target, std::nullopt,
           absl::StrCat("SHA-256 of the first ", length, " bytes is ", *got, ", expected ", want)});
    }
    nlohmann::json extra = {{"sha256", *got}, {"length", length}};
    if (args.secure_boot) {
      if (auto s = ReportSecureBoot(**target, true, problems, extra); !s.ok()) {
        return ReportError(args.common, s);
      }
    }
    return Finish(args, problems, extra);
  }

  auto report = inspect::InspectMedia(**target);
  if (!report.ok()) return ReportError(args.common, report.status());
  // The media manifest (mediaforge create): every file's SHA-256.
  auto manifest = media::CheckMediaManifest(**target);
  if (!manifest.ok()) {
    report->problems.push_back(
        {"media manifest", std::nullopt, std::string(manifest.status().message())});
  } else if (manifest->present) {
    report->found.push_back(
        absl::StrCat("media manifest: ", manifest->files, " files",
                     manifest->elsewhere > 0
                         ? absl::StrCat(" (", manifest->elsewhere, " on other volumes of the set)")
                         : std::string()));
    for (const auto& p : manifest->problems) {
      report->problems.push_back({absl::StrCat("media manifest: ", p.path), std::nullopt, p.what});
    }
  }
  for (const auto& line : report->found) Say(line);
  nlohmann::json extra = {{"found", report->found}};
  if (auto s = ReportSecureBoot(**target, args.secure_boot, report->problems, extra); !s.ok()) {
    return ReportError(args.common, s);
  }
  return Finish(args, report->problems, extra);
}

}  // namespace

void AddVerifyCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<VerifyArgs>();
  auto* cmd = app.add_subcommand(
      "verify", "Compare TARGET with an image or a SHA-256, or check what it holds");
  cmd->add_option("TARGET", args->target, "Block device or image file")->required();
  cmd->add_option("--image", args->image, "Compare TARGET's first bytes with this image");
  cmd->add_option("--sha256", args->sha256, "Compare the SHA-256 of TARGET's first --length bytes");
  cmd->add_option("--length", args->length, "How many bytes --sha256 covers (default: all)");
  cmd->add_option("--block-size", args->block_size, "Read size (default 4M)");
  cmd->add_flag("--secure-boot", args->secure_boot,
                "Fail when a default EFI loader is unsigned or modified after signing");
  cmd->add_flag("--repair", args->repair,
                "With --image: rewrite exactly the blocks that differ, read them back again and "
                "list every repaired range");
  AddGuardFlags(*cmd, args->guard);
  AddCommonFlags(*cmd, args->common);
  cmd->callback(
      [&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunVerify(ctx, *args)); });
}

}  // namespace mediaforge::cli
