// mediaforge capture SOURCE -o IMAGE [--bmap OUT.bmap] [--json]
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/target.h"
#include "engine/bmap_layout.h"
#include "engine/capture.h"
#include "tools/commands.h"
#include "tools/job_cli.h"

namespace mediaforge::cli {
namespace {

struct CaptureArgs {
  std::string source;
  std::string output;
  std::string block_size = "4M";
  int buffers = 8;
  std::string bmap;  // --bmap OUT.bmap
  CommonFlags common;
};

int RunCapture(RunContext& ctx, const CaptureArgs& args) {
  auto block = ParseSize(args.block_size);
  if (!block.ok()) return ReportError(args.common, block.status());
  auto source = device::OpenTarget(args.source, {.write = false, .exclusive = false});
  if (!source.ok()) return ReportError(args.common, source.status());
  JobProgressLines progress(ctx, args.common, "capture");
  auto r = engine::Capture(**source, args.output,
                           {.block_size = *block,
                            .buffers = args.buffers,
                            .progress = progress.Callback(),
                            .cancel = &ctx.cancel},
                           DestinationOptionsFor(ctx, false));
  progress.Finish();
  if (!r.ok()) return ReportError(args.common, r.status());
  double mbs = r->seconds > 0 ? r->bytes / r->seconds / 1e6 : 0;
  Say(absl::StrFormat("%s -> %s: %d bytes (%d allocated) in %.2f s (%.1f MB/s)", args.source,
                      args.output, r->bytes, r->allocated_bytes, r->seconds, mbs));
  Say(absl::StrCat("sha256 ", r->sha256, "  ", args.output));
  nlohmann::json jbmap = nullptr;
  if (!args.bmap.empty()) {
    // The image was written sparse (zero pages are holes): its data extents are the map.
    auto bmap = engine::BmapFromSparseFile(args.output);
    if (!bmap.ok()) return ReportError(args.common, bmap.status());
    if (auto s = engine::WriteBmapFile(*bmap, args.bmap); !s.ok()) {
      return ReportError(args.common, s);
    }
    Say(absl::StrFormat("%s: %d of %d bytes mapped -> %s", args.output, bmap->mapped_bytes(),
                        bmap->image_size, args.bmap));
    jbmap = args.bmap;
  }
  EmitJson(args.common, {{"source", args.source},
                         {"ok", true},
                         {"image", args.output},
                         {"bytes", r->bytes},
                         {"allocated_bytes", r->allocated_bytes},
                         {"sha256", r->sha256},
                         {"bmap", jbmap},
                         {"seconds", r->seconds},
                         {"mb_per_s", mbs}});
  return kExitOk;
}

}  // namespace

void AddCaptureCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<CaptureArgs>();
  auto* cmd = app.add_subcommand(
      "capture", "Read a device (or file) into a sparse image and report its SHA-256");
  cmd->add_option("SOURCE", args->source, "Block device or file")->required();
  cmd->add_option("-o,--output", args->output, "Image to write (replaced only when complete)")
      ->required();
  cmd->add_option("--block-size", args->block_size, "Read size (default 4M)");
  cmd->add_option("--buffers", args->buffers, "Buffers in flight (default 8)")
      ->check(CLI::Range(2, 64));
  cmd->add_option("--bmap", args->bmap,
                  "Also write a bmaptool-compatible block map (v2.0) of the captured image");
  AddCommonFlags(*cmd, args->common);
  cmd->callback(
      [&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunCapture(ctx, *args)); });
}

}  // namespace mediaforge::cli
