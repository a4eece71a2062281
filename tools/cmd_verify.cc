// mediaforge verify TARGET [--image IMAGE | --sha256 HEX [--length SIZE]] [--json]
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/target.h"
#include "engine/image_source.h"
#include "engine/stream_copy.h"
#include "fs/inspect/media_inspect.h"
#include "tools/commands.h"

namespace mediaforge::cli {
namespace {

using device::Problem;

struct VerifyArgs {
  std::string target;
  std::string image;
  std::string sha256;
  std::string length;
  std::string block_size = "4M";
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

int RunVerify(RunContext& ctx, const VerifyArgs& args) {
  auto block = ParseSize(args.block_size);
  if (!block.ok()) return ReportError(args.common, block.status());
  if (!args.image.empty() && !args.sha256.empty()) {
    return ReportError(args.common,
                       absl::InvalidArgumentError("--image and --sha256 exclude each other"));
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
    return Finish(
        args, problems,
        {{"image", args.image},
         {"bytes", r->bytes_compared},
         {"seconds", r->seconds},
         {"mb_per_s", mbs},
         {"first_mismatch", r->first_mismatch ? nlohmann::json(*r->first_mismatch) : nullptr}});
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
    return Finish(args, problems, {{"sha256", *got}, {"length", length}});
  }

  auto report = inspect::InspectMedia(**target);
  if (!report.ok()) return ReportError(args.common, report.status());
  for (const auto& line : report->found) Say(line);
  return Finish(args, report->problems, {{"found", report->found}});
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
  AddCommonFlags(*cmd, args->common);
  cmd->callback([&ctx, args] { ctx.exit_code = RunVerify(ctx, *args); });
}

}  // namespace mediaforge::cli
