// mediaforge bmap IMAGE -o OUT.bmap [--json]
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/bmap_layout.h"
#include "engine/image_source.h"
#include "tools/commands.h"

namespace mediaforge::cli {
namespace {

struct BmapArgs {
  std::string image;
  std::string output;
  CommonFlags common;
};

int RunBmap(const BmapArgs& args) {
  auto source = engine::OpenImageSource(args.image);
  if (!source.ok()) return ReportError(args.common, source.status());
  if (source->compression != engine::Compression::kNone) {
    // Holes are a property of the raw file; a compressed file has none to find.
    ReportError(args.common,
                absl::InvalidArgumentError(absl::StrCat(
                    args.image, ": is ", engine::CompressionName(source->compression),
                    "-compressed; make the bmap of the raw image before compressing it")));
    return kExitProblem;
  }
  auto bmap = engine::BmapFromSparseFile(args.image);
  if (!bmap.ok()) return ReportError(args.common, bmap.status());
  if (auto s = engine::WriteBmapFile(*bmap, args.output); !s.ok()) {
    return ReportError(args.common, s);
  }
  const uint64_t mapped = bmap->mapped_bytes();
  Say(absl::StrFormat("%s: %d of %d bytes mapped (%.1f%%) in %d ranges -> %s", args.image, mapped,
                      bmap->image_size, bmap->image_size ? 100.0 * mapped / bmap->image_size : 0.0,
                      bmap->ranges.size(), args.output));
  EmitJson(args.common, {{"image", args.image},
                         {"bmap", args.output},
                         {"image_size", bmap->image_size},
                         {"block_size", bmap->block_size},
                         {"mapped_bytes", mapped},
                         {"mapped_blocks", bmap->mapped_blocks_count},
                         {"ranges", bmap->ranges.size()}});
  return kExitOk;
}

}  // namespace

void AddBmapCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<BmapArgs>();
  auto* cmd = app.add_subcommand(
      "bmap", "Write a bmaptool-compatible block map (v2.0, SHA-256 per range) of a sparse image");
  cmd->add_option("IMAGE", args->image, "Raw image file")->required();
  cmd->add_option("-o,--output", args->output, "The bmap file to write")->required();
  AddCommonFlags(*cmd, args->common);
  cmd->callback([&ctx, args] { ctx.exit_code = RunBmap(*args); });
}

}  // namespace mediaforge::cli
