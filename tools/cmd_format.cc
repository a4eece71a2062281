// mediaforge format TARGET [--from DIR|ISO] [--label L] [--cluster-size SIZE] [--size SIZE]
//     [--fat 12|16|32] [--sector-size N] [--date EPOCH] [--split-wim [SIZE]] [--staging DIR]
//     [--yes] [--force] [--json]
// Flags -> plan (fat32::PlanFatVolume, every pre-flight check before TARGET is touched) -> job
// (engine::RunJob onto an engine::Destination) -> report. Image files are replaced only when
// complete; block devices get the wrong-disk guard and explicit zeros over the FAT regions.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/target.h"
#include "engine/destination.h"
#include "engine/job.h"
#include "fs/fat32/fat32.h"
#include "fs/usb/iso_source.h"
#include "tools/commands.h"
#include "tools/job_cli.h"
#include "tools/split_wim_phase.h"
#include "tools/staging_dir.h"
#include "tools/target_guard.h"

namespace mediaforge::cli {
namespace {

struct FormatArgs {
  std::string target;
  std::string from;
  std::string label;
  std::string cluster_size;
  std::string size;
  std::string sector_size;
  int fat = 0;
  std::string date;
  std::string block_size = "4M";
  int buffers = 8;
  int readers = engine::CopyOptions{}.fill_threads;
  SplitWimFlags split_wim;
  GuardFlags guard;
  CommonFlags common;
};

// Start of a partition node on its disk, in bytes (0 for whole disks): sysfs "start" is in
// 512-byte units whatever the sector size.
uint64_t PartitionStart(const struct stat& st) {
  std::ifstream in(
      absl::StrFormat("/sys/dev/block/%d:%d/start", major(st.st_rdev), minor(st.st_rdev)));
  uint64_t start = 0;
  if (in >> start) return start * 512;
  return 0;
}

std::string VolumeIdText(uint32_t id) {
  return absl::StrFormat("%04X-%04X", id >> 16, id & 0xFFFF);
}

// A failed pre-flight: the source or the options cannot make this volume (exit 1), or the
// source could not be read (exit 2). Nothing has been written.
int ReportPreflight(const FormatArgs& args, const absl::Status& status) {
  Say(absl::StrCat("mediaforge: ", status.message()));
  EmitJson(args.common,
           {{"target", args.target}, {"ok", false}, {"error", std::string(status.message())}});
  return absl::IsInvalidArgument(status) || absl::IsOutOfRange(status) ? kExitProblem : kExitError;
}

int RunFormat(RunContext& ctx, const FormatArgs& args) {
  fat32::FormatOptions options;
  options.label = args.label;
  auto date = ParseDateFlag(args.date);
  if (!date.ok()) return ReportError(args.common, date.status());
  options.date = *date;
  if (args.fat != 0) {
    if (args.fat != 12 && args.fat != 16 && args.fat != 32) {
      return ReportError(args.common, absl::InvalidArgumentError("--fat takes 12, 16 or 32"));
    }
    options.type = static_cast<fat32::FatType>(args.fat);
  }
  if (!args.cluster_size.empty()) {
    auto c = ParseSize(args.cluster_size);
    if (!c.ok()) return ReportError(args.common, c.status());
    if (*c > UINT32_MAX)
      return ReportError(args.common, absl::InvalidArgumentError("cluster size too large"));
    options.cluster_bytes = static_cast<uint32_t>(*c);
  }
  std::optional<uint64_t> size;
  if (!args.size.empty()) {
    auto s = ParseSize(args.size);
    if (!s.ok()) return ReportError(args.common, s.status());
    size = *s;
  }
  std::optional<std::string> from;
  if (!args.from.empty()) from = args.from;
  // --split-wim: the tree of --from with .swm parts (in a staging directory, removed on
  // return) in place of big WIMs. An ISO (ISO9660 or UDF: Windows ISOs) gives its files as
  // ranges of the image, as for `usb`.
  std::unique_ptr<wim::StagedWimParts> wim_parts;
  std::optional<fat32::SourceTree> split_tree;  // when set, the tree to copy instead of --from
  std::optional<StagingDir> iso_staging;
  std::error_code ec;
  const bool from_iso = from && std::filesystem::is_regular_file(*from, ec);
  if (from && (from_iso || args.split_wim.requested())) {
    auto staged = RunSplitWimPhase(ctx, args.common, args.split_wim, *from, from_iso);
    if (!staged.ok()) return ReportSplitWimError(args.common, staged.status());
    wim_parts = std::move(*staged);
    const std::vector<fat32::SourceSubstitution> none;
    const auto& substitutions = wim_parts ? wim_parts->substitutions() : none;
    if (from_iso) {
      iso_staging.emplace();
      if (!iso_staging->ok()) return ReportError(args.common, iso_staging->status());
      auto iso = usb::TreeFromIso(*from, iso_staging->path(), substitutions);
      if (!iso.ok()) return ReportPreflight(args, WithSplitWimHint(iso.status()));
      split_tree = std::move(iso->tree);
    } else {
      auto tree = fat32::ScanSourceTree(*from, substitutions);
      if (!tree.ok()) return ReportPreflight(args, tree.status());
      split_tree = std::move(*tree);
    }
  }

  struct stat st;
  const bool exists = ::stat(args.target.c_str(), &st) == 0;
  if (exists && !S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
    return ReportError(args.common, absl::InvalidArgumentError(absl::StrCat(
                                        args.target, ": not a block device or regular file")));
  }
  const bool block = exists && S_ISBLK(st.st_mode);
  if (block) {
    // Read-only probe for the geometry: nothing is opened for writing before the guard passed.
    auto probe = device::OpenTarget(args.target, {.write = false, .exclusive = false});
    if (!probe.ok()) return ReportError(args.common, probe.status());
    const uint64_t device_bytes = (*probe)->size();
    if (size && *size > device_bytes) {
      return ReportError(args.common,
                         absl::OutOfRangeError(absl::StrCat(args.target, ": --size ", *size,
                                                            " is larger than the device (",
                                                            device_bytes, " bytes)")));
    }
    options.volume_bytes = size.value_or(device_bytes);
    options.bytes_per_sector = (*probe)->logical_sector_size();
    options.device_offset = PartitionStart(st);
    options.target_offset = 0;
    options.zero_fill = true;
  } else {
    options.bytes_per_sector = 512;
  }
  if (!args.sector_size.empty()) {
    auto s = ParseSize(args.sector_size);
    if (!s.ok()) return ReportError(args.common, s.status());
    if (block && *s != options.bytes_per_sector) {
      return ReportError(args.common, absl::InvalidArgumentError(absl::StrCat(
                                          args.target, ": the device's logical sectors are ",
                                          options.bytes_per_sector, " bytes")));
    }
    options.bytes_per_sector = static_cast<uint32_t>(*s);
  }
  if (!block) {
    if (size) {
      options.volume_bytes = *size;
    } else if (exists) {
      options.volume_bytes = static_cast<uint64_t>(st.st_size);
    } else if (from) {
      auto fit = split_tree ? fat32::SizeForTree(options, *split_tree)
                            : fat32::SizeForTree(options, *from);
      if (!fit.ok()) return ReportPreflight(args, WithSplitWimHint(fit.status()));
      options.volume_bytes = *fit;
    } else {
      return ReportError(
          args.common, absl::InvalidArgumentError(
                           absl::StrCat(args.target, " does not exist: give --size to create it")));
    }
  }

  // Pre-flight: the whole plan, before anything is created, resized or written.
  const auto plan_start = std::chrono::steady_clock::now();
  auto planned =
      split_tree ? fat32::PlanFatVolume(options, *split_tree) : fat32::PlanFatVolume(options, from);
  if (!planned.ok()) return ReportPreflight(args, WithSplitWimHint(planned.status()));
  const fat32::Geometry& g = planned->geometry;
  const double plan_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - plan_start).count();
  if (block) {
    // The wrong-disk guard (device/guard.h): refuses mounted devices and the one backing /,
    // non-removable or > 2 TiB ones without --force; asks on a TTY, else needs --yes.
    std::vector<std::string> refusals;
    int rc = GuardTargets(ctx, {args.target}, options.volume_bytes, args.guard,
                          absl::StrCat("format ", fat32::FatTypeName(g.type)), &refusals);
    if (rc != kExitOk) {
      EmitJson(args.common, {{"target", args.target},
                             {"ok", false},
                             {"error", "refused by the wrong-disk guard"},
                             {"refused", refusals}});
      return rc;
    }
  }

  auto block_size = ParseSize(args.block_size);
  if (!block_size.ok()) return ReportError(args.common, block_size.status());
  auto destination = engine::Destination::Open(args.target, DestinationOptionsFor(ctx, block));
  if (!destination.ok()) return ReportError(args.common, destination.status());
  JobProgressLines progress(ctx, args.common, "format");
  engine::Destination* destinations[] = {destination->get()};
  auto report = engine::RunJob(planned->layout, destinations,
                               {.block_size = *block_size,
                                .buffers = args.buffers,
                                .fill_threads = args.readers,
                                .prefetch = true,
                                .progress = progress.Callback(),
                                .cancel = &ctx.cancel});
  progress.Finish();
  if (!report.ok()) return ReportError(args.common, report.status());
  const engine::JobTargetReport& written = report->targets[0];
  if (!written.ok()) return ReportError(args.common, written.error);
  const double seconds = written.seconds;
  const auto& s = planned->stats;
  Say(absl::StrFormat(
      "%s: %s, %d bytes, %d-byte clusters, %d clusters (%d free), volume id %s%s; %d files, "
      "%d directories, %d bytes copied in %.2f s",
      args.target, fat32::FatTypeName(g.type), g.volume_bytes(), g.cluster_bytes(), g.cluster_count,
      s.free_clusters, VolumeIdText(planned->volume_id),
      planned->label.empty() ? "" : absl::StrCat(", label ", planned->label), s.files,
      s.directories, s.file_bytes, seconds));
  EmitJson(args.common, {{"target", args.target},
                         {"ok", true},
                         {"type", fat32::FatTypeName(g.type)},
                         {"volume_bytes", g.volume_bytes()},
                         {"bytes_per_sector", g.bytes_per_sector},
                         {"cluster_bytes", g.cluster_bytes()},
                         {"clusters", g.cluster_count},
                         {"free_clusters", s.free_clusters},
                         {"volume_id", VolumeIdText(planned->volume_id)},
                         {"label", planned->label},
                         {"files", s.files},
                         {"directories", s.directories},
                         {"file_bytes", s.file_bytes},
                         {"bytes_written", report->bytes},
                         {"mb_per_s", written.mb_per_s()},
                         {"plan_seconds", plan_seconds},
                         {"split_wims", SplitWimJson(wim_parts.get())},
                         {"seconds", seconds}});
  return kExitOk;
}

}  // namespace

void AddFormatCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<FormatArgs>();
  auto* cmd = app.add_subcommand(
      "format", "Format a device, partition or image file as FAT and copy a directory in");
  cmd->add_option("TARGET", args->target, "Block device, partition or image file")->required();
  cmd->add_option("--from", args->from,
                  "Directory, or ISO image (ISO9660 or UDF), to copy into the new volume");
  cmd->add_option("--label", args->label, "Volume label (up to 11 characters)");
  cmd->add_option("--cluster-size", args->cluster_size,
                  "Cluster size (512 .. 64K; default from the volume size)");
  cmd->add_option("--size", args->size,
                  "Volume size; creates or resizes an image file (default: the target's size, "
                  "or just enough for --from)");
  cmd->add_option("--fat", args->fat,
                  "FAT type: 12, 16 or 32 (default: by size, FAT32 when "
                  "it fits)");
  cmd->add_option("--sector-size", args->sector_size,
                  "Logical sector size for image files (512 or 4096; devices use their own)");
  cmd->add_option("--date", args->date,
                  "Seconds since 1970: reproducible output (default: SOURCE_DATE_EPOCH)");
  cmd->add_option("--block-size", args->block_size, "Size of each write (default 4M)");
  cmd->add_option("--buffers", args->buffers, "Buffers in flight (default 8)");
  cmd->add_option("--readers", args->readers,
                  "Threads reading the source files into buffers (default 2)");
  AddSplitWimFlags(*cmd, args->split_wim);
  AddGuardFlags(*cmd, args->guard);
  AddCommonFlags(*cmd, args->common);
  cmd->callback(
      [&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunFormat(ctx, *args)); });
}

}  // namespace mediaforge::cli
