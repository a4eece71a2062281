#include "fs/wim/wim_split.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <wimlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace mediaforge::wim {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kMiB = 1 << 20;
// Each part repeats the header, XML data and blob table; part 1 holds the image metadata.
constexpr uint64_t kPartOverheadBytes = 4 * kMiB;

// Size of a solid (LZMS) WIM exported non-solid, relative to the solid one: measured on Windows
// 11 install.esd-like data (docs/WINDOWS.md); only for the staging space estimate, checked
// again against the real export before the split.
double ExportGrowth(ExportCompression c) { return c == ExportCompression::kXpress ? 1.6 : 1.3; }

struct WimFree {
  void operator()(WIMStruct* w) const { wimlib_free(w); }
};
using WimPtr = std::unique_ptr<WIMStruct, WimFree>;

std::string GiB(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  return text;
}

absl::StatusOr<uint64_t> FreeBytes(const std::string& dir) {
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) != 0) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": cannot use as staging directory: ", std::strerror(errno)));
  }
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

// Reports one phase of one WIM as a share of the whole job's progress.
struct PhaseProgress {
  const WimSplitOptions* options = nullptr;
  uint64_t base = 0;    // work done before this phase
  uint64_t weight = 0;  // this phase's share (bytes)
  uint64_t total = 0;   // the whole job
  enum class Phase { kCopy, kExport, kSplit } phase = Phase::kCopy;
  uint64_t part_base = 0;    // split: bytes done before the current part
  uint64_t split_total = 0;  // split: bytes of all parts

  bool Cancelled() const { return options->cancel != nullptr && options->cancel->load(); }
  void Fraction(uint64_t done, uint64_t of) {
    if (!options->progress || of == 0) return;
    const double f = std::min(1.0, static_cast<double>(done) / static_cast<double>(of));
    options->progress(base + static_cast<uint64_t>(f * static_cast<double>(weight)), total);
  }
  std::vector<std::string> parts;  // split: the part files written, in order
};

enum wimlib_progress_status OnWimProgress(enum wimlib_progress_msg msg,
                                          union wimlib_progress_info* info, void* ctx) {
  auto* p = static_cast<PhaseProgress*>(ctx);
  switch (msg) {
    case WIMLIB_PROGRESS_MSG_SPLIT_BEGIN_PART:
      p->part_base = info->split.completed_bytes;
      p->split_total = info->split.total_bytes;
      p->Fraction(info->split.completed_bytes, info->split.total_bytes);
      break;
    case WIMLIB_PROGRESS_MSG_SPLIT_END_PART:
      p->parts.push_back(info->split.part_name);
      p->Fraction(info->split.completed_bytes, info->split.total_bytes);
      break;
    case WIMLIB_PROGRESS_MSG_WRITE_STREAMS:
      // Export: uncompressed bytes of the whole WIM. Split: counted within the current part
      // (raw copies, so compressed bytes are what the part receives).
      if (p->phase == PhaseProgress::Phase::kExport) {
        p->Fraction(info->write_streams.completed_bytes, info->write_streams.total_bytes);
      } else {
        p->Fraction(p->part_base + info->write_streams.completed_compressed_bytes, p->split_total);
      }
      break;
    default:
      break;
  }
  return p->Cancelled() ? WIMLIB_PROGRESS_STATUS_ABORT : WIMLIB_PROGRESS_STATUS_CONTINUE;
}

absl::Status WimStatus(int rc, const std::string& what) {
  if (rc == WIMLIB_ERR_ABORTED_BY_PROGRESS) {
    return absl::CancelledError(absl::StrCat(what, ": cancelled"));
  }
  if (rc == WIMLIB_ERR_WRITE || rc == WIMLIB_ERR_NOMEM) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": ", WimlibError(rc)));
  }
  return absl::InternalError(absl::StrCat(what, ": ", WimlibError(rc)));
}

absl::Status RefuseLargeFile(const WimInSource& wim, const WimInspection& inspection,
                             uint64_t part_bytes) {
  if (inspection.largest_blob_bytes <= part_bytes) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(wim.shown, ": holds a file of ", inspection.largest_blob_bytes, " bytes (",
                   inspection.largest_file, "), larger than the ", part_bytes,
                   "-byte part size; a WIM cannot split one file's data across parts"));
}

// Exports every image of the solid WIM at `from` non-solid into `to`.
absl::Status ExportNonSolid(const std::string& from, const std::string& to, const WimInSource& wim,
                            ExportCompression compression, PhaseProgress& progress) {
  WIMStruct* raw = nullptr;
  if (int rc = wimlib_open_wim(from.c_str(), 0, &raw); rc != 0) {
    return WimStatus(rc, absl::StrCat(wim.shown, ": open"));
  }
  WimPtr src(raw);
  const auto ctype = compression == ExportCompression::kXpress ? WIMLIB_COMPRESSION_TYPE_XPRESS
                                                               : WIMLIB_COMPRESSION_TYPE_LZX;
  if (int rc = wimlib_create_new_wim(ctype, &raw); rc != 0) {
    return WimStatus(rc, absl::StrCat(to, ": create"));
  }
  WimPtr dst(raw);
  wimlib_register_progress_function(dst.get(), OnWimProgress, &progress);
  // BOOT: the source's bootable image stays bootable (WinPE boot.wim).
  if (int rc = wimlib_export_image(src.get(), WIMLIB_ALL_IMAGES, dst.get(), nullptr, nullptr,
                                   WIMLIB_EXPORT_FLAG_BOOT);
      rc != 0) {
    return WimStatus(rc, absl::StrCat(wim.shown, ": export"));
  }
  if (int rc = wimlib_write(dst.get(), to.c_str(), WIMLIB_ALL_IMAGES, 0, 0); rc != 0) {
    ::unlink(to.c_str());
    return WimStatus(rc, absl::StrCat(wim.shown, ": exporting non-solid to ", to));
  }
  return absl::OkStatus();
}

// Splits the non-solid WIM at `from` into `swm` (NAME.swm), NAME2.swm, ...
absl::Status Split(const std::string& from, const std::string& swm, const WimInSource& wim,
                   uint64_t part_bytes, PhaseProgress& progress) {
  WIMStruct* raw = nullptr;
  if (int rc = wimlib_open_wim(from.c_str(), 0, &raw); rc != 0) {
    return WimStatus(rc, absl::StrCat(wim.shown, ": open"));
  }
  WimPtr src(raw);
  wimlib_register_progress_function(src.get(), OnWimProgress, &progress);
  if (int rc = wimlib_split(src.get(), swm.c_str(), part_bytes, 0); rc != 0) {
    return WimStatus(rc, absl::StrCat(wim.shown, ": splitting into ", swm));
  }
  return absl::OkStatus();
}

// One WIM: copy-out, export, split, each a phase of the progress; fills `result` and `sub`.
absl::Status SplitOne(const WimSplitItem& item, const WimSplitOptions& options,
                      const std::string& dir, uint64_t& done, uint64_t total,
                      WimSplitResult& result, fat32::SourceSubstitution& sub) {
  const WimInSource& wim = item.wim;
  const auto start = std::chrono::steady_clock::now();
  auto since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  PhaseProgress progress{.options = &options, .base = done, .weight = wim.size, .total = total};
  std::string source = wim.file;
  std::vector<std::string> transient;  // the copy-out and the export: removed on every return
  absl::Cleanup remove_transient = [&] {
    for (const auto& t : transient) ::unlink(t.c_str());
  };
  if (wim.in_iso()) {
    source = dir + "/from-iso.wim";
    transient.push_back(source);
    auto s = CopyWimOut(wim, source, [&](uint64_t bytes) {
      progress.Fraction(bytes, wim.size);
      return !progress.Cancelled();
    });
    if (!s.ok()) return s;
    progress.base += wim.size;
  }
  WimInspection inspection;
  if (item.inspection) {
    inspection = *item.inspection;
  } else {
    auto i = InspectWim(source, wim.shown, options.part_bytes);
    if (!i.ok()) return i.status();
    inspection = *i;
    if (auto s = RefuseLargeFile(wim, inspection, options.part_bytes); !s.ok()) {
      return s;
    }
  }
  if (inspection.solid) {
    const std::string exported = dir + "/non-solid.wim";
    transient.push_back(exported);
    progress.phase = PhaseProgress::Phase::kExport;
    if (auto s = ExportNonSolid(source, exported, wim, options.export_compression, progress);
        !s.ok()) {
      return s;
    }
    if (wim.in_iso()) ::unlink(source.c_str());  // the copy-out is no longer needed
    source = exported;
    progress.base += wim.size;
    result.exported = true;
    result.export_seconds = since_start();
    result.export_compression = ExportCompressionName(options.export_compression);
    // The estimate was a guess: check the real export against the space left for its parts.
    struct stat st;
    auto free_bytes = FreeBytes(dir);
    if (::stat(exported.c_str(), &st) == 0 && free_bytes.ok() &&
        *free_bytes < static_cast<uint64_t>(st.st_size) + kPartOverheadBytes * 4) {
      return absl::ResourceExhaustedError(absl::StrCat(
          dir, ": ", GiB(*free_bytes), " free, but splitting ", wim.shown, " exported to ",
          GiB(static_cast<uint64_t>(st.st_size)), " needs about as much again"));
    }
  }
  const std::string stem = wim.name.substr(0, wim.name.size() - 4);
  const std::string swm = absl::StrCat(dir, "/", stem, ".swm");
  progress.phase = PhaseProgress::Phase::kSplit;
  if (auto s = Split(source, swm, wim, options.part_bytes, progress); !s.ok()) return s;
  done = progress.base + wim.size;
  result.seconds = since_start();
  result.shown = wim.shown;
  sub.source_path = wim.source_key;
  for (const auto& part : progress.parts) {
    struct stat st;
    if (::stat(part.c_str(), &st) != 0) {
      return absl::InternalError(
          absl::StrCat(part, ": split part missing: ", std::strerror(errno)));
    }
    fat32::SourceNode node;
    node.name = part.substr(part.rfind('/') + 1);
    node.path = part;
    node.size = static_cast<uint64_t>(st.st_size);
    node.mtime_sec = wim.mtime;
    result.part_names.push_back(node.name);
    result.part_bytes_total += node.size;
    sub.files.push_back(std::move(node));
  }
  return absl::OkStatus();
}

}  // namespace

const char* ExportCompressionName(ExportCompression c) {
  return c == ExportCompression::kXpress ? "XPRESS" : "LZX";
}

StagedWimParts::~StagedWimParts() {
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

absl::StatusOr<WimSplitPlan> PlanWimSplit(const std::vector<WimInSource>& wims,
                                          const WimSplitOptions& options) {
  if (options.part_bytes < kMiB || options.part_bytes > 0xFFFFFFFFull - kPartOverheadBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("WIM part size ", options.part_bytes, " bytes: must be 1 MiB .. 4 GiB - ",
                     kPartOverheadBytes / kMiB, " MiB (parts hold their own header and tables)"));
  }
  WimSplitPlan plan;
  std::vector<std::string> refusals;
  uint64_t transient_max = 0;
  for (const auto& wim : wims) {
    WimSplitItem item;
    item.wim = wim;
    bool solid = wim.solid();
    if (!wim.in_iso()) {
      auto inspection = InspectWim(wim.file, wim.shown, options.part_bytes);
      if (!inspection.ok()) return inspection.status();
      if (auto s = RefuseLargeFile(wim, *inspection, options.part_bytes); !s.ok()) {
        refusals.push_back(std::string(s.message()));
      }
      solid = inspection->solid;
      item.inspection = *inspection;
    }
    const uint64_t content = solid ? static_cast<uint64_t>(static_cast<double>(wim.size) *
                                                           ExportGrowth(options.export_compression))
                                   : wim.size;
    const uint64_t parts = (content + options.part_bytes - 1) / options.part_bytes + 1;
    item.part_bytes_estimate = content + parts * kPartOverheadBytes;
    item.transient_bytes = (wim.in_iso() ? wim.size : 0) + (solid ? content : 0);
    transient_max = std::max(transient_max, item.transient_bytes);
    plan.staging_bytes_needed += item.part_bytes_estimate;
    plan.work_bytes += wim.size * (1 + (wim.in_iso() ? 1 : 0) + (solid ? 1 : 0));
    plan.items.push_back(std::move(item));
  }
  if (!refusals.empty()) {
    std::string text = absl::StrCat(refusals.size(), " Windows image(s) cannot be split:");
    for (const auto& r : refusals) absl::StrAppend(&text, "\n  ", r);
    return absl::FailedPreconditionError(text);
  }
  plan.staging_bytes_needed += transient_max;
  if (plan.items.empty()) return plan;
  auto free_bytes = FreeBytes(options.staging_parent);
  if (!free_bytes.ok()) return free_bytes.status();
  plan.staging_bytes_free = *free_bytes;
  if (plan.staging_bytes_free < plan.staging_bytes_needed) {
    return absl::ResourceExhaustedError(absl::StrCat(
        options.staging_parent, ": ", GiB(plan.staging_bytes_free),
        " free, but splitting the Windows image(s) needs about ", GiB(plan.staging_bytes_needed),
        " of staging space (", plan.staging_bytes_needed, " bytes)"));
  }
  return plan;
}

absl::StatusOr<std::unique_ptr<StagedWimParts>> SplitWims(const WimSplitPlan& plan,
                                                          const WimSplitOptions& options) {
  std::string templ = options.staging_parent + "/mediaforge-wim-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        options.staging_parent, ": cannot make a staging directory: ", std::strerror(errno)));
  }
  auto staged = std::make_unique<StagedWimParts>(templ);  // removes it on every return below
  uint64_t done = 0;
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const std::string dir = absl::StrCat(templ, "/", i);
    if (::mkdir(dir.c_str(), 0700) != 0) {
      return absl::InternalError(absl::StrCat(dir, ": ", std::strerror(errno)));
    }
    WimSplitResult result;
    fat32::SourceSubstitution sub;
    if (auto s = SplitOne(plan.items[i], options, dir, done, plan.work_bytes, result, sub);
        !s.ok()) {
      return s;
    }
    staged->results_.push_back(std::move(result));
    staged->substitutions_.push_back(std::move(sub));
  }
  if (options.progress) options.progress(plan.work_bytes, plan.work_bytes);
  return staged;
}

absl::StatusOr<std::unique_ptr<StagedWimParts>> SplitWimsInDirectory(
    const std::string& dir, const WimSplitOptions& options) {
  auto wims = FindWimsInDirectory(dir, options.part_bytes);
  if (!wims.ok()) return wims.status();
  auto plan = PlanWimSplit(*wims, options);
  if (!plan.ok()) return plan.status();
  if (plan->items.empty()) return std::make_unique<StagedWimParts>("");
  return SplitWims(*plan, options);
}

}  // namespace mediaforge::wim
