// mediaforge create SPEC.json [--dry-run] [--log FILE] [--yes] [--force] [--json]: bootable or
// capture media from one spec (media-spec.md) onto an ISO (set) or USB targets. Every check
// (spec, password sources, boot image, architecture, certificate, sizes, 4 GiB files, staging
// space, target guard) runs before the first byte of any output is written; an existing ISO is
// replaced only when the new set is complete.
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/destination.h"
#include "engine/job.h"
#include "fs/iso9660/iso_output.h"
#include "fs/media/builder.h"
#include "fs/media/spec.h"
#include "tools/commands.h"
#include "tools/create_stream.h"
#include "tools/job_cli.h"
#include "tools/target_guard.h"

namespace mediaforge::cli {
namespace {

constexpr char kToolVersion[] = "mediaforge 0.1.0";

struct CreateFlags {
  std::string spec;
  bool dry_run = false;
  std::string log;
  GuardFlags guard;
  CommonFlags common;
};

// Refusals (certificate, architecture, wrong password, target) are "problem found" (1); spec
// and I/O errors are usage/I/O errors (2). cli-contract.md.
int ExitCodeFor(const absl::Status& s) {
  return absl::IsFailedPrecondition(s) || absl::IsPermissionDenied(s) ? kExitProblem : kExitError;
}

int Fail(const CreateFlags& f, const absl::Status& status) {
  EmitJson(f.common, {{"ok", false}, {"spec", f.spec}, {"error", std::string(status.message())}});
  std::cerr << "mediaforge create: " << status.message() << '\n';
  return ExitCodeFor(status);
}

std::string DefaultLogPath(const media::MediaSpec& spec) {
  namespace fsys = std::filesystem;
  if (spec.output.kind == media::OutputSpec::Kind::kIso) {
    fsys::path out(spec.output.path);
    return (out.parent_path() / (out.stem().string() + ".create.log")).string();
  }
  fsys::path s(spec.spec_path);
  return (s.parent_path() / (s.stem().string() + ".create.log")).string();
}

absl::Status WriteLog(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !(out << text) || !out.flush()) {
    return absl::InternalError(absl::StrCat(path, ": cannot write the creation log"));
  }
  return absl::OkStatus();
}

nlohmann::json PlanJson(const media::MediaSpec& spec, const media::PreparedMedia& m) {
  return {{"type", spec.type == media::MediaType::kCapture ? "capture" : "bootable"},
          {"label", spec.label},
          {"boot_image",
           {{"id", m.facts.boot_image_id},
            {"architecture", media::ArchitectureName(m.facts.boot_architecture)},
            {"bios_boot", m.boot.bios_boot.value_or("")},
            {"efi_boot", m.boot.efi_boot.value_or("")},
            {"efi_dir", m.boot.efi_dir.value_or("")},
            {"efi_loader", m.boot.efi_loader_name}}},
          {"files", m.totals.files},
          {"directories", m.totals.directories},
          {"file_bytes", m.totals.bytes},
          {"sealed", m.facts.sealed},
          {"certificate_thumbprint", m.facts.certificate_thumbprint}};
}

void SayFindings(const CreateFlags& f, const std::vector<std::string>& findings) {
  if (f.common.json) return;
  for (const auto& x : findings) Say(absl::StrCat("mediaforge create: warning: ", x));
}

struct Outcome {
  nlohmann::json outputs = nlohmann::json::array();
  std::vector<std::string> log_lines;
  uint64_t bytes = 0;
};

absl::StatusOr<Outcome> CreateIso(RunContext& ctx, const CreateFlags& f,
                                  const media::MediaSpec& spec, media::PreparedMedia& m,
                                  const media::BuildSettings& settings) {
  auto plan = media::PlanIsoMedia(spec, m, settings);
  if (!plan.ok()) return plan.status();
  Outcome o;
  auto paths = iso9660::VolumePaths(spec.output.path, plan->volumes.size());
  if (f.dry_run) {
    for (size_t i = 0; i < plan->volumes.size(); ++i) {
      const auto& v = plan->volumes[i];
      o.outputs.push_back({{"path", paths[i]},
                           {"bytes", v.layout.total_size()},
                           {"files", v.files},
                           {"bootable", i == 0}});
      if (!f.common.json) {
        Say(absl::StrFormat("would write %s: %d bytes, %d files%s", paths[i], v.layout.total_size(),
                            v.files, i == 0 ? ", bootable" : ""));
      }
    }
    return o;
  }
  // Every check passed: the output's directory may be made now.
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(spec.output.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return absl::InternalError(absl::StrCat(parent.string(), ": ", ec.message()));
  auto set = engine::VolumeSet::Open(paths, DestinationOptionsFor(ctx, false));
  if (!set.ok()) return set.status();
  JobProgressLines progress(ctx, f.common, "create");
  auto report =
      StreamIsoMedia(iso9660::VolumeLayouts(*plan), *set, m,
                     {.prefetch = true, .progress = progress.Callback(), .cancel = &ctx.cancel});
  progress.Finish();
  if (!report.ok()) return report.status();
  for (size_t i = 0; i < paths.size(); ++i) {
    const uint64_t volume_bytes = plan->volumes[i].layout.total_size();
    o.bytes += volume_bytes;
    o.outputs.push_back({{"path", paths[i]},
                         {"bytes", volume_bytes},
                         {"files", plan->volumes[i].files},
                         {"bootable", i == 0}});
    o.log_lines.push_back(absl::StrCat(paths[i], " (", volume_bytes, " bytes)"));
    if (!f.common.json) Say(absl::StrFormat("%s: %d bytes", paths[i], volume_bytes));
  }
  return o;
}

// The size every USB target gets: a device's own (the smallest of them), else output.size,
// else fitted to the content.
absl::StatusOr<media::UsbGeometry> UsbGeometryFor(const media::MediaSpec& spec) {
  media::UsbGeometry g;
  for (const std::string& t : spec.output.targets) {
    struct stat st;
    if (::stat(t.c_str(), &st) == 0 && S_ISBLK(st.st_mode)) {
      auto probe = device::OpenTarget(t, {.write = false, .exclusive = false});
      if (!probe.ok()) return probe.status();
      uint64_t size = (*probe)->size();
      g.disk_bytes = g.disk_bytes == 0 ? size : std::min(g.disk_bytes, size);
      g.sector_size = std::max(g.sector_size, (*probe)->logical_sector_size());
      g.zero_fill = true;
    }
  }
  if (g.disk_bytes == 0 && spec.output.image_size) g.disk_bytes = *spec.output.image_size;
  return g;
}

absl::StatusOr<Outcome> CreateUsb(RunContext& ctx, const CreateFlags& f,
                                  const media::MediaSpec& spec, media::PreparedMedia& m,
                                  const media::BuildSettings& settings, int* guard_code) {
  auto geometry = UsbGeometryFor(spec);
  if (!geometry.ok()) return geometry.status();
  auto plan = media::PlanUsbMediaFor(spec, m, *geometry, settings);
  if (!plan.ok()) return plan.status();
  Outcome o;
  const uint64_t disk = plan->layout.total_size();
  if (f.dry_run) {
    for (const auto& t : spec.output.targets) {
      o.outputs.push_back({{"path", t}, {"bytes", disk}, {"files", m.totals.files}});
      if (!f.common.json) {
        Say(absl::StrFormat("would write %s: %d bytes (%s, FAT32 \"%s\"), %d files", t, disk,
                            spec.output.scheme, plan->volume.label, m.totals.files));
      }
    }
    return o;
  }
  std::vector<std::string> refusals;
  *guard_code =
      GuardTargets(ctx, spec.output.targets, disk, f.guard, "make deployment media", &refusals);
  if (*guard_code != kExitOk) {
    std::string why = refusals.empty() ? "target refused" : refusals[0];
    return absl::FailedPreconditionError(why);
  }
  std::vector<std::unique_ptr<engine::Destination>> outs;
  std::vector<engine::Destination*> destinations;
  for (const auto& t : spec.output.targets) {
    struct stat st;
    const bool block = ::stat(t.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
    // The guard above passed for every target (GuardTargets returned kExitOk).
    auto out = engine::Destination::Open(t, DestinationOptionsFor(ctx, block));
    if (!out.ok()) return out.status();
    destinations.push_back(out->get());
    outs.push_back(std::move(*out));
  }
  JobProgressLines progress(ctx, f.common, "create");
  auto report =
      StreamUsbMedia(plan->layout, destinations, m,
                     {.prefetch = true, .progress = progress.Callback(), .cancel = &ctx.cancel});
  progress.Finish();
  if (!report.ok()) return report.status();
  for (size_t i = 0; i < outs.size(); ++i) {
    const auto& tr = report->targets[i];
    if (!tr.ok()) return tr.error;
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    const bool block = outs[i]->is_device();
    const std::string& path = spec.output.targets[i];
    outs[i].reset();  // the exclusive open would make the kernel's re-read fail with EBUSY
    if (block) {
      if (auto s = device::RereadPartitionTable(path); !s.ok()) {
        Say(absl::StrCat("warning: the kernel did not re-read the partition table of ", path, ": ",
                         s.message()));
      }
    }
    o.bytes += report->targets[i].bytes;
    o.outputs.push_back({{"path", path}, {"bytes", disk}, {"files", m.totals.files}});
    o.log_lines.push_back(
        absl::StrCat(path, " (", disk, " bytes, FAT32 \"", plan->volume.label, "\")"));
    if (!f.common.json) Say(absl::StrFormat("%s: %d bytes", path, disk));
  }
  return o;
}

int RunCreate(RunContext& ctx, const CreateFlags& f) {
  auto start = std::chrono::steady_clock::now();
  auto spec = media::LoadMediaSpec(f.spec);
  if (!spec.ok()) return Fail(f, spec.status());
  auto date = ParseDateFlag("");
  if (!date.ok()) return Fail(f, date.status());
  media::BuildSettings settings;
  settings.tool_version = kToolVersion;
  settings.now = static_cast<int64_t>(std::time(nullptr));
  settings.date = *date;
  auto prepared = media::PrepareMedia(*spec, settings);
  if (!prepared.ok()) return Fail(f, prepared.status());
  media::PreparedMedia& m = *prepared;

  int guard_code = kExitOk;
  absl::StatusOr<Outcome> outcome = spec->output.kind == media::OutputSpec::Kind::kIso
                                        ? CreateIso(ctx, f, *spec, m, settings)
                                        : CreateUsb(ctx, f, *spec, m, settings, &guard_code);
  SayFindings(f, m.findings);
  // The certificate's thumbprint for the plan and the log: known once its key is (the stream
  // waited for it; a dry run or a failure waits here).
  if (auto late = media::FinishGeneratedFiles(m); !late.ok() && outcome.ok()) {
    outcome = late.status();
  }
  nlohmann::json plan_json = PlanJson(*spec, m);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::string log_path = f.log.empty() ? DefaultLogPath(*spec) : f.log;
  if (!f.dry_run) {
    std::vector<std::string> log_outputs;
    if (outcome.ok()) log_outputs = outcome->log_lines;
    std::string log = media::CreationLog(*spec, m.facts, m.findings, log_outputs);
    absl::StrAppend(&log, "result: ", outcome.ok() ? "ok" : std::string(outcome.status().message()),
                    "\n");
    if (auto s = WriteLog(log_path, log); !s.ok()) {
      if (outcome.ok()) return Fail(f, s);
      Say(absl::StrCat("mediaforge create: ", s.message()));
    }
  }
  if (!outcome.ok()) {
    if (guard_code != kExitOk) {
      EmitJson(
          f.common,
          {{"ok", false}, {"spec", f.spec}, {"error", std::string(outcome.status().message())}});
      return guard_code;
    }
    return Fail(f, outcome.status());
  }
  if (f.dry_run && !f.common.json) {
    Say(absl::StrFormat("plan: %s media \"%s\", boot image %s (%s), %d files, %d bytes of files",
                        spec->type == media::MediaType::kCapture ? "capture" : "bootable",
                        spec->label, m.facts.boot_image_id,
                        media::ArchitectureName(m.facts.boot_architecture), m.totals.files,
                        m.totals.bytes));
    Say("dry run: nothing was written");
  }
  EmitJson(f.common, {{"ok", true},
                      {"spec", f.spec},
                      {"dry_run", f.dry_run},
                      {"plan", plan_json},
                      {"outputs", outcome->outputs},
                      {"findings", m.findings},
                      {"log", f.dry_run ? nlohmann::json(nullptr) : nlohmann::json(log_path)},
                      {"bytes", outcome->bytes},
                      {"seconds", seconds},
                      {"error", nullptr}});
  return kExitOk;
}

}  // namespace

void AddCreateCommand(CLI::App& app, RunContext& ctx) {
  auto flags = std::make_shared<CreateFlags>();
  auto* cmd = app.add_subcommand(
      "create", "Bootable or capture media from a spec (media-spec.md) onto an ISO set or USB");
  cmd->add_option("SPEC", flags->spec, "The media spec (JSON)")->required();
  cmd->add_flag("--dry-run", flags->dry_run,
                "Print the plan and every pre-flight finding; write nothing");
  cmd->add_option("--log", flags->log,
                  "Creation log (default: OUT.create.log beside the ISO, SPEC.create.log for USB)");
  AddGuardFlags(*cmd, flags->guard);
  AddCommonFlags(*cmd, flags->common);
  cmd->callback([flags, &ctx] { ctx.exit_code = RunCreate(ctx, *flags); });
}

}  // namespace mediaforge::cli
