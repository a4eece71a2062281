// mediaforge iso SRC_DIR -o OUT.iso ...: builds an ISO9660 + Joliet + Rock Ridge image with
// El Torito BIOS/UEFI boot and optional hybrid MBR/GPT (cli-contract.md).
#include <chrono>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/destination.h"
#include "engine/job.h"
#include "fs/iso9660/iso_output.h"
#include "fs/iso9660/iso_writer.h"
#include "tools/commands.h"
#include "tools/job_cli.h"

namespace mediaforge::cli {
namespace {

struct IsoFlags {
  iso9660::IsoWriteOptions options;
  std::string output;
  std::string boot_load_size;
  std::string date;
  std::string media_size;
  bool no_joliet = false;
  bool no_rock_ridge = false;
  std::string bios_boot, efi_boot, efi_dir, isohybrid_mbr, grub2_mbr;
  CommonFlags common;
};

template <typename T>
std::optional<T> NonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return T(s);
}

// Fills the library options from the flags; usage errors only.
absl::Status ResolveOptions(IsoFlags& f) {
  auto& o = f.options;
  o.output_path = f.output;
  o.joliet = !f.no_joliet;
  o.rock_ridge = !f.no_rock_ridge;
  o.bios_boot = NonEmpty<std::string>(f.bios_boot);
  o.efi_boot = NonEmpty<std::string>(f.efi_boot);
  o.efi_dir = NonEmpty<std::string>(f.efi_dir);
  o.isohybrid_mbr = NonEmpty<std::string>(f.isohybrid_mbr);
  o.grub2_mbr = NonEmpty<std::string>(f.grub2_mbr);
  if (!f.boot_load_size.empty()) {
    uint32_t n = 0;
    if (!absl::SimpleAtoi(f.boot_load_size, &n) || n == 0 || n > 0xFFFF) {
      return absl::InvalidArgumentError(absl::StrCat("--boot-load-size '", f.boot_load_size,
                                                     "': give 1 to 65535 sectors of 512 bytes"));
    }
    o.boot_load_size = static_cast<uint16_t>(n);
  }
  auto date = ParseDateFlag(f.date);  // --date, else SOURCE_DATE_EPOCH
  if (!date.ok()) return date.status();
  o.date = *date;
  if (!f.media_size.empty()) {
    auto s = ParseSize(f.media_size);
    if (!s.ok())
      return absl::InvalidArgumentError(absl::StrCat("--media-size: ", s.status().message()));
    o.media_size = *s;
  }
  // Flag combinations, named as flags here; the library states the same conditions in words.
  if (o.efi_boot && o.efi_dir) {
    return absl::InvalidArgumentError("--efi-boot and --efi-dir exclude each other");
  }
  if (o.isohybrid_mbr && o.grub2_mbr) {
    return absl::InvalidArgumentError("--isohybrid-mbr and --grub2-mbr exclude each other");
  }
  if (!o.bios_boot && (o.isohybrid_mbr || o.grub2_mbr || o.boot_load_size || o.boot_info_table)) {
    return absl::InvalidArgumentError(
        "--isohybrid-mbr, --grub2-mbr, --boot-load-size and --boot-info-table need --bios-boot");
  }
  return iso9660::ValidateIsoOptions(o);
}

// --json: even a failure prints one object (with the error) on stdout.
int Fail(const IsoFlags& f, const absl::Status& status) {
  EmitJson(f.common, {{"output", f.output},
                      {"ok", false},
                      {"volumes", nlohmann::json::array()},
                      {"error", std::string(status.message())}});
  return ReportError(status);
}

int RunIso(IsoFlags& f, RunContext& ctx) {
  if (auto s = ResolveOptions(f); !s.ok()) return Fail(f, s);
  const auto& o = f.options;
  if (o.hybrid && o.bios_boot && !o.isohybrid_mbr && !o.grub2_mbr && !f.common.json) {
    Say("mediaforge iso: note: --hybrid without --isohybrid-mbr or --grub2-mbr: a BIOS cannot "
        "boot this image from a USB stick (UEFI and CD boot are unaffected)");
  }
  auto start = std::chrono::steady_clock::now();
  auto plan = iso9660::PlanIso(f.options);
  if (!plan.ok()) return Fail(f, plan.status());
  if (!f.common.json) {
    for (const std::string& note : plan->notes) Say(absl::StrCat("mediaforge iso: note: ", note));
  }
  const std::vector<std::string> paths = iso9660::VolumePaths(f.output, plan->volumes.size());
  auto set = engine::VolumeSet::Open(paths, DestinationOptionsFor(ctx, false));
  if (!set.ok()) return Fail(f, set.status());
  JobProgressLines progress(ctx, f.common, "iso");
  auto report = engine::RunVolumeSetJob(
      iso9660::VolumeLayouts(*plan), *set,
      {.prefetch = true, .progress = progress.Callback(), .cancel = &ctx.cancel});
  progress.Finish();
  if (!report.ok()) return Fail(f, report.status());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  nlohmann::json volumes = nlohmann::json::array();
  uint64_t bytes = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    const uint64_t volume_bytes = plan->volumes[i].layout.total_size();
    const auto& v = plan->volumes[i];
    bytes += volume_bytes;
    volumes.push_back({{"path", paths[i]},
                       {"bytes", volume_bytes},
                       {"sequence", v.sequence},
                       {"files", v.files},
                       {"file_bytes", v.file_bytes}});
    if (!f.common.json) {
      Say(absl::StrFormat("%s: %d bytes, %d files", paths[i], volume_bytes, v.files));
    }
  }
  EmitJson(f.common, {{"output", f.output},
                      {"ok", true},
                      {"volumes", volumes},
                      {"bytes", bytes},
                      {"date", plan->date},
                      {"seconds", seconds},
                      {"mb_per_s", seconds > 0 ? bytes / seconds / 1e6 : 0.0},
                      {"notes", plan->notes},
                      {"error", nullptr}});
  return kExitOk;
}

}  // namespace

void AddIsoCommand(CLI::App& app, RunContext& ctx) {
  auto flags = std::make_shared<IsoFlags>();
  auto* cmd = app.add_subcommand(
      "iso", "Build an ISO9660 + Joliet + Rock Ridge image, bootable BIOS/UEFI, optionally hybrid");
  auto& f = *flags;
  cmd->add_option("SRC_DIR", f.options.source_dir, "Directory to put in the image")->required();
  cmd->add_option("-o,--output", f.output, "Output image (OUT.iso)")->required();
  cmd->add_option("--label", f.options.label, "Volume label (up to 32 characters)");
  cmd->add_option("--bios-boot", f.bios_boot,
                  "El Torito BIOS no-emulation boot image, relative to SRC_DIR");
  cmd->add_option("--boot-load-size", f.boot_load_size,
                  "512-byte sectors the BIOS loads (default 4)");
  cmd->add_flag("--boot-info-table", f.options.boot_info_table,
                "Patch the boot information table into the BIOS boot image (isolinux, GRUB)");
  auto* efi_boot = cmd->add_option("--efi-boot", f.efi_boot,
                                   "El Torito UEFI FAT image, a file relative to SRC_DIR");
  auto* efi_dir = cmd->add_option("--efi-dir", f.efi_dir,
                                  "Build the UEFI FAT image from this directory of SRC_DIR");
  efi_boot->excludes(efi_dir);
  cmd->add_flag("--hybrid", f.options.hybrid,
                "Add MBR + GPT so the image boots BIOS and UEFI when written raw to a USB stick");
  cmd->add_flag("--no-joliet", f.no_joliet, "Leave out the Joliet tree");
  cmd->add_flag("--no-rock-ridge", f.no_rock_ridge, "Leave out Rock Ridge");
  auto* iso_mbr =
      cmd->add_option("--isohybrid-mbr", f.isohybrid_mbr,
                      "MBR template isohdpfx.bin (isolinux), patched as isohybrid does");
  auto* grub_mbr = cmd->add_option("--grub2-mbr", f.grub2_mbr,
                                   "MBR template boot_hybrid.img (GRUB), patched as xorriso does");
  iso_mbr->excludes(grub_mbr);
  cmd->add_option("--date", f.date,
                  "Seconds since 1970: reproducible output (default: SOURCE_DATE_EPOCH)");
  cmd->add_option("--media-size", f.media_size,
                  "Split into OUT-01.iso, OUT-02.iso, ... of at most this size");
  AddCommonFlags(*cmd, f.common);
  cmd->callback(
      [flags, &ctx] { ctx.exit_code = FinishCommand(flags->common, RunIso(*flags, ctx)); });
}

}  // namespace mediaforge::cli
