// mediaforge format TARGET [--from DIR] [--label L] [--cluster-size SIZE] [--size SIZE]
//     [--fat 12|16|32] [--sector-size N] [--date EPOCH] [--split-wim [SIZE]] [--staging DIR]
//     [--yes] [--force] [--json]
// Plans the FAT volume (every pre-flight check) before touching TARGET. Image files are built
// as a fresh sparse file beside TARGET and renamed over it only when complete; block devices get
// the wrong-disk guard and explicit zeros over the FAT regions.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "device/errors.h"
#include "device/target.h"
#include "engine/stream_copy.h"
#include "fs/fat32/fat32.h"
#include "fs/fat32/source_prefetch.h"
#include "tools/commands.h"
#include "tools/split_wim_phase.h"
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

// The new image is built in an unnamed file (O_TMPFILE) in the target's directory, so nothing
// is left behind whatever stops the process (even a second Ctrl-C, which exits at once); it gets
// a name and replaces `path` only when complete. File systems without O_TMPFILE get a hidden
// named file beside `path`, removed on failure.
class ImageFileBuilder {
 public:
  explicit ImageFileBuilder(const std::string& path) : path_(path) {
    const size_t slash = path.rfind('/');
    dir_ = slash == std::string::npos ? "." : path.substr(0, slash);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    named_ = absl::StrCat(dir_, "/.", base, ".mediaforge-", getpid());
  }
  ~ImageFileBuilder() {
    if (anon_fd_ >= 0) ::close(anon_fd_);
    if (!done_ && anon_fd_ < 0) ::unlink(named_.c_str());
  }

  absl::StatusOr<std::unique_ptr<device::Target>> Open() {
    anon_fd_ = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    if (anon_fd_ >= 0) {
      // Reopened through /proc so the Target gets its own O_DIRECT descriptors.
      proc_ = absl::StrCat("/proc/self/fd/", anon_fd_);
      return device::OpenTarget(proc_, {.write = true});
    }
    // O_DIRECT (the default): measured faster than buffered writes + fdatasync for images.
    return device::OpenTarget(named_, {.write = true, .create = true, .truncate = true});
  }

  // Names the finished file and renames it over `path` (keeping the old file's mode).
  absl::Status Commit() {
    if (anon_fd_ >= 0 &&
        ::linkat(AT_FDCWD, proc_.c_str(), AT_FDCWD, named_.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      return device::ErrnoError(errno, "name the new image", named_, std::nullopt);
    }
    if (anon_fd_ >= 0) {
      ::close(anon_fd_);
      anon_fd_ = -1;
    }
    struct stat old;
    if (::stat(path_.c_str(), &old) == 0) ::chmod(named_.c_str(), old.st_mode & 07777);
    if (::rename(named_.c_str(), path_.c_str()) != 0) {
      return device::ErrnoError(errno, "rename into place", path_, std::nullopt);
    }
    done_ = true;
    if (int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return absl::OkStatus();
  }

  // Messages from the engine name the file it wrote: show the user's path instead.
  absl::Status Rename(const absl::Status& s) const {
    if (s.ok() || proc_.empty()) return s;
    return absl::Status(s.code(), absl::StrReplaceAll(s.message(), {{proc_, path_}}));
  }

 private:
  std::string path_, dir_, named_, proc_;
  int anon_fd_ = -1;
  bool done_ = false;
};

absl::StatusOr<engine::CopyReport> WriteImageFile(const std::string& path,
                                                  const engine::Layout& layout,
                                                  engine::CopyOptions opts) {
  ImageFileBuilder builder(path);
  auto target = builder.Open();
  if (!target.ok()) return builder.Rename(target.status());
  device::Target* targets[] = {target->get()};
  opts.resize_files = true;
  auto report = engine::StreamLayout(layout, targets, opts);
  absl::Status status = report.ok() ? report->targets[0].status : report.status();
  if (status.ok() && report->cancelled) {
    status = absl::CancelledError(absl::StrCat(path, ": interrupted; the target is unchanged"));
  }
  target->reset();
  if (status.ok()) status = builder.Commit();
  if (!status.ok()) return builder.Rename(status);
  return report;
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
  if (!date.ok()) return ReportError(date.status());
  options.date = *date;
  if (args.fat != 0) {
    if (args.fat != 12 && args.fat != 16 && args.fat != 32) {
      return ReportError(absl::InvalidArgumentError("--fat takes 12, 16 or 32"));
    }
    options.type = static_cast<fat32::FatType>(args.fat);
  }
  if (!args.cluster_size.empty()) {
    auto c = ParseSize(args.cluster_size);
    if (!c.ok()) return ReportError(c.status());
    if (*c > UINT32_MAX) return ReportError(absl::InvalidArgumentError("cluster size too large"));
    options.cluster_bytes = static_cast<uint32_t>(*c);
  }
  std::optional<uint64_t> size;
  if (!args.size.empty()) {
    auto s = ParseSize(args.size);
    if (!s.ok()) return ReportError(s.status());
    size = *s;
  }
  std::optional<std::string> from;
  if (!args.from.empty()) from = args.from;
  // --split-wim: the tree of --from with .swm parts (in a staging directory, removed on
  // return) in place of big WIMs.
  std::unique_ptr<wim::StagedWimParts> wim_parts;
  std::optional<fat32::SourceTree> split_tree;
  if (from && args.split_wim.requested()) {
    auto staged = RunSplitWimPhase(ctx, args.common, args.split_wim, *from, false);
    if (!staged.ok()) return ReportSplitWimError(args.common, staged.status());
    wim_parts = std::move(*staged);
    auto tree = fat32::ScanSourceTree(*from, wim_parts->substitutions());
    if (!tree.ok()) return ReportPreflight(args, tree.status());
    split_tree = std::move(*tree);
  }

  struct stat st;
  const bool exists = ::stat(args.target.c_str(), &st) == 0;
  if (exists && !S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode)) {
    return ReportError(absl::InvalidArgumentError(
        absl::StrCat(args.target, ": not a block device or regular file")));
  }
  const bool block = exists && S_ISBLK(st.st_mode);
  std::unique_ptr<device::Target> device_target;
  if (block) {
    // O_EXCL: fails while the device (or a partition of it) is mounted.
    auto t = device::OpenTarget(args.target, {.write = true, .exclusive = true});
    if (!t.ok()) return ReportError(t.status());
    device_target = std::move(*t);
    if (size && *size > device_target->size()) {
      return ReportError(absl::OutOfRangeError(absl::StrCat(args.target, ": --size ", *size,
                                                            " is larger than the device (",
                                                            device_target->size(), " bytes)")));
    }
    options.volume_bytes = size.value_or(device_target->size());
    options.bytes_per_sector = device_target->logical_sector_size();
    options.device_offset = PartitionStart(st);
    options.target_offset = 0;
    options.zero_fill = true;
  } else {
    options.bytes_per_sector = 512;
  }
  if (!args.sector_size.empty()) {
    auto s = ParseSize(args.sector_size);
    if (!s.ok()) return ReportError(s.status());
    if (block && *s != options.bytes_per_sector) {
      return ReportError(absl::InvalidArgumentError(absl::StrCat(
          args.target, ": the device's logical sectors are ", options.bytes_per_sector, " bytes")));
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
      return ReportError(absl::InvalidArgumentError(
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
    device_target.reset();  // the guard probes the device itself
    int rc = GuardTargets(ctx, {args.target}, options.volume_bytes, args.guard,
                          absl::StrCat("format ", fat32::FatTypeName(g.type)));
    if (rc != kExitOk) return rc;
    auto t = device::OpenTarget(args.target, {.write = true, .exclusive = true});
    if (!t.ok()) return ReportError(t.status());
    device_target = std::move(*t);
  }

  auto block_size = ParseSize(args.block_size);
  if (!block_size.ok()) return ReportError(block_size.status());
  ProgressLine progress(ctx, args.common, "format");
  engine::CopyOptions copy;
  copy.block_size = *block_size;
  copy.buffers = args.buffers;
  copy.fill_threads = args.readers;
  copy.cancel = &ctx.cancel;
  // Source files are asked for ahead of the copy: cold trees of many files read in parallel.
  std::optional<fat32::SourcePrefetcher> prefetch;
  if (planned->stats.files > 0) prefetch.emplace(planned->layout);
  copy.progress = [&](uint64_t d, uint64_t t) {
    progress.Update(d, t);
    if (prefetch) prefetch->Progress(d);
  };
  const auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<engine::CopyReport> report;
  if (block) {
    device::Target* targets[] = {device_target.get()};
    copy.resize_files = false;
    report = engine::StreamLayout(planned->layout, targets, copy);
    if (report.ok() && !report->targets[0].status.ok()) report = report->targets[0].status;
  } else {
    report = WriteImageFile(args.target, planned->layout, copy);
  }
  progress.Finish();
  if (!report.ok()) return ReportError(report.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
  cmd->add_option("--from", args->from, "Directory to copy into the new volume");
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
  cmd->callback([&ctx, args] { ctx.exit_code = RunFormat(ctx, *args); });
}

}  // namespace mediaforge::cli
