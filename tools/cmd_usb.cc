// mediaforge usb SRC_DIR TARGET [--scheme mbr|gpt] [--label L] [--size SIZE] [--mbr-code FILE]
//     [--pbr-code FILE] [--cluster-size SIZE] [--date EPOCH] [--split-wim [SIZE]] [--staging DIR]
//     [--verify] [--yes] [--force] [--json]
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/partition_table.h"
#include "engine/destination.h"
#include "engine/job.h"
#include "fs/usb/iso_source.h"
#include "fs/usb/usb_media.h"
#include "tools/commands.h"
#include "tools/job_cli.h"
#include "tools/split_wim_phase.h"
#include "tools/staging_dir.h"
#include "tools/target_guard.h"

namespace mediaforge::cli {
namespace {

struct UsbArgs {
  std::string source;
  std::string target;
  std::string scheme = "mbr";
  std::string label;
  std::string size;
  std::string mbr_code;
  std::string pbr_code;
  std::string cluster_size;
  std::string date;
  bool verify = false;
  int readers = 0;
  SplitWimFlags split_wim;
  GuardFlags guard;
  CommonFlags common;
};

int RunUsb(RunContext& ctx, const UsbArgs& args) {
  usb::UsbMediaOptions opts;
  if (args.scheme == "gpt") {
    opts.scheme = device::PartitionScheme::kGpt;
  } else if (args.scheme != "mbr") {
    return ReportError(args.common, absl::InvalidArgumentError("--scheme must be mbr or gpt"));
  }
  opts.label = args.label;
  auto date = ParseDateFlag(args.date);
  if (!date.ok()) return ReportError(args.common, date.status());
  opts.date = *date;
  if (!args.cluster_size.empty()) {
    auto c = ParseSize(args.cluster_size);
    if (!c.ok()) return ReportError(args.common, c.status());
    opts.cluster_bytes = static_cast<uint32_t>(*c);
  }
  if (!args.mbr_code.empty()) {
    auto code = ReadSmallFile(args.mbr_code, 512);
    if (!code.ok()) return ReportError(args.common, code.status());
    opts.mbr_code = std::move(*code);
  }
  if (!args.pbr_code.empty()) {
    auto code = ReadSmallFile(args.pbr_code, 64 << 10);
    if (!code.ok()) return ReportError(args.common, code.status());
    opts.pbr_code = std::move(*code);
  }
  // The source: a directory, or an ISO whose files (and El Torito EFI image files) go on.
  usb::UsbContent content;
  std::optional<StagingDir> staging;
  std::error_code ec;
  std::string iso_volume_id;
  std::vector<std::string> from_efi_image;
  // --split-wim: .swm parts in a staging directory stand in for big WIMs; removed on return.
  const bool source_is_dir = std::filesystem::is_directory(args.source, ec);
  std::unique_ptr<wim::StagedWimParts> wim_parts;
  if (source_is_dir || std::filesystem::is_regular_file(args.source, ec)) {
    auto staged = RunSplitWimPhase(ctx, args.common, args.split_wim, args.source, !source_is_dir);
    if (!staged.ok()) return ReportSplitWimError(args.common, staged.status());
    wim_parts = std::move(*staged);
  }
  const std::vector<fat32::SourceSubstitution> no_substitutions;
  const auto& substitutions = wim_parts ? wim_parts->substitutions() : no_substitutions;
  if (source_is_dir && !substitutions.empty()) {
    auto tree = fat32::ScanSourceTree(args.source, substitutions);
    if (!tree.ok()) return ReportError(args.common, tree.status());
    content.tree = std::move(*tree);
  } else if (source_is_dir) {
    content.dir = args.source;
  } else if (std::filesystem::is_regular_file(args.source, ec)) {
    staging.emplace();
    if (!staging->ok()) return ReportError(args.common, staging->status());
    auto iso = usb::TreeFromIso(args.source, staging->path(), substitutions);
    if (!iso.ok()) return ReportError(args.common, WithSplitWimHint(iso.status()));
    content.tree = std::move(iso->tree);
    iso_volume_id = iso->volume_id;
    from_efi_image = iso->from_efi_image;
    if (opts.label.empty()) opts.label = iso_volume_id.substr(0, 11);
  } else {
    return ReportError(args.common, absl::NotFoundError(absl::StrCat(
                                        args.source, ": no such directory or ISO image")));
  }

  // Where it goes and how big it is.
  struct stat st;
  bool exists = ::stat(args.target.c_str(), &st) == 0;
  bool block = exists && S_ISBLK(st.st_mode);
  if (block) {
    if (!args.size.empty()) {
      return ReportError(
          args.common,
          absl::InvalidArgumentError("--size is for image files; a device's own size is used"));
    }
    auto probe = device::OpenTarget(args.target, {.write = false, .exclusive = false});
    if (!probe.ok()) return ReportError(args.common, probe.status());
    opts.disk_bytes = (*probe)->size();
    opts.sector_size = (*probe)->logical_sector_size();
    opts.zero_fill = true;
  } else if (!args.size.empty()) {
    auto s = ParseSize(args.size);
    if (!s.ok()) return ReportError(args.common, s.status());
    opts.disk_bytes = *s;
  } else {
    auto s = usb::DiskSizeForContent(opts, content, 16 << 20);
    if (!s.ok()) return ReportError(args.common, WithSplitWimHint(s.status()));
    opts.disk_bytes = *s;
  }

  // Pre-flight: the whole plan (table, sizes, 4 GiB files, names) before any byte is written.
  auto plan = usb::PlanUsbMedia(opts, content);
  if (!plan.ok()) return ReportError(args.common, WithSplitWimHint(plan.status()));
  std::vector<std::string> refusals;
  int guard = GuardTargets(ctx, {args.target}, opts.disk_bytes, args.guard,
                           "make a bootable USB stick", &refusals);
  if (guard != kExitOk) {
    EmitJson(args.common, {{"target", args.target}, {"ok", false}, {"refused", refusals}});
    return guard;
  }

  auto destination = engine::Destination::Open(args.target, DestinationOptionsFor(ctx, block));
  if (!destination.ok()) return ReportError(args.common, destination.status());
  JobProgressLines progress(ctx, args.common, "usb");
  engine::Destination* destinations[] = {destination->get()};
  auto report = engine::RunJob(plan->layout, destinations,
                               {.fill_threads = args.readers,
                                .verify = args.verify,
                                .prefetch = true,
                                .progress = progress.Callback(),
                                .cancel = &ctx.cancel});
  progress.Finish();
  destination->reset();  // the exclusive open would make the kernel's re-read fail with EBUSY
  if (!report.ok()) return ReportError(args.common, report.status());
  const engine::JobTargetReport& tr = report->targets[0];
  if (!tr.ok() && !tr.verify_mismatch) return ReportError(args.common, tr.error);
  std::optional<bool> verified = tr.verified;
  if (tr.verify_mismatch) {
    Say(absl::StrCat("mediaforge: ", args.target, ": verify FAILED at byte offset ",
                     tr.offset.value_or(0)));
  }
  std::string reread;
  if (block) {
    if (auto s = device::RereadPartitionTable(args.target); !s.ok()) {
      reread = std::string(s.message());
      Say(absl::StrCat("warning: the kernel did not re-read the partition table: ", reread,
                       " (replug the stick)"));
    }
  }
  const auto& vol = plan->volume;
  Say(absl::StrFormat(
      "%s: %s, FAT32 \"%s\" at byte %d (%d bytes), %d files, %d bytes of content; "
      "wrote %d bytes in %.2f s",
      args.target, args.scheme, vol.label, plan->table.partition_offset,
      plan->table.partition_bytes, vol.stats.files, vol.stats.file_bytes, tr.bytes, tr.seconds));
  EmitJson(args.common,
           {{"target", args.target},
            {"ok", verified.value_or(true)},
            {"scheme", args.scheme},
            {"disk_bytes", opts.disk_bytes},
            {"disk_id", plan->table.disk_id},
            {"partition",
             {{"offset", plan->table.partition_offset}, {"bytes", plan->table.partition_bytes}}},
            {"label", vol.label},
            {"iso_volume_id", iso_volume_id},
            {"from_efi_image", from_efi_image},
            {"split_wims", SplitWimJson(wim_parts.get())},
            {"files", vol.stats.files},
            {"directories", vol.stats.directories},
            {"content_bytes", vol.stats.file_bytes},
            {"bytes", tr.bytes},
            {"seconds", tr.seconds},
            {"mb_per_s", tr.mb_per_s()},
            {"verified", verified ? nlohmann::json(*verified) : nullptr},
            {"reread_error", reread.empty() ? nlohmann::json(nullptr) : nlohmann::json(reread)}});
  return verified.value_or(true) ? kExitOk : kExitProblem;
}

}  // namespace

void AddUsbCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<UsbArgs>();
  auto* cmd = app.add_subcommand(
      "usb",
      "Make a bootable USB stick (or stick image): partition table, FAT32, files, boot code");
  cmd->add_option("SRC", args->source, "Source directory, or a bootable ISO image")->required();
  cmd->add_option("TARGET", args->target, "Block device or image file")->required();
  cmd->add_option("--scheme", args->scheme, "mbr (FAT32 LBA, active) or gpt (EFI System)");
  cmd->add_option("--label", args->label, "Volume label (11 characters)");
  cmd->add_option("--size", args->size, "Image file size (default: content + 16 MiB)");
  cmd->add_option("--mbr-code", args->mbr_code, "MBR boot code (bytes 0-439 used), e.g. mbr.bin");
  cmd->add_option("--pbr-code", args->pbr_code, "FAT32 boot sector code (the BPB is kept)");
  cmd->add_option("--cluster-size", args->cluster_size, "FAT32 cluster size");
  cmd->add_option("--date", args->date, "Reproducible output (seconds since 1970)");
  cmd->add_flag("--verify", args->verify, "Read back what was written and compare");
  cmd->add_option("--readers", args->readers, "Threads reading source files (default: automatic)");
  AddSplitWimFlags(*cmd, args->split_wim);
  AddGuardFlags(*cmd, args->guard);
  AddCommonFlags(*cmd, args->common);
  cmd->callback([&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunUsb(ctx, *args)); });
}

}  // namespace mediaforge::cli
