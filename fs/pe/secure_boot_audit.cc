#include "fs/pe/secure_boot_audit.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fs/pe/authenticode.h"
#include "fs/pe/efi_media.h"
#include "fs/pe/pe_image.h"

namespace mediaforge::pe {
namespace {

// EFI executables are a few MiB; anything beyond this is not read into memory.
constexpr uint64_t kMaxEfiFileBytes = 256ull << 20;

constexpr char kRefusedSentence[] =
    "firmware with Secure Boot enabled will refuse to run it, and this media will not boot";

bool IsEfiSubsystem(uint16_t subsystem) {
  return subsystem >= kSubsystemEfiApplication && subsystem <= kSubsystemEfiRom;
}

// Fills the signature part of `f`; returns whether any signature is intact and verifies.
bool AddSignatures(const AuthenticodeInfo& info, SecureBootFinding& f) {
  f.is_signed = !info.signatures.empty();
  for (const auto& p : info.problems) f.notes.push_back(p);
  if (!f.is_signed) return false;
  const AuthenticodeSignature& first = info.signatures.front();
  f.signer = first.signer;
  f.issuer = first.issuer;
  f.digest_ok = first.digest_ok;
  f.signature_ok = first.signature_ok;
  bool any_good = false;
  std::set<std::string> described;
  for (size_t i = 0; i < info.signatures.size(); ++i) {
    const auto& s = info.signatures[i];
    any_good |= s.digest_ok && s.signature_ok;
    if (i > 0) {
      f.notes.push_back(absl::StrCat("also signed by \"", s.signer, "\" (issuer \"", s.issuer,
                                     "\")", s.digest_ok && s.signature_ok ? "" : ", not intact"));
    }
    if (!s.digest_ok && !s.image_digest.empty()) {
      f.notes.push_back(absl::StrCat("Authenticode image digest ", s.image_digest,
                                     " differs from the signed ", s.signed_digest, " (",
                                     s.digest_algorithm, "): modified after signing"));
    }
    for (const auto& p : s.problems) f.notes.push_back(p);
    std::string words = DescribeIssuer(s.issuer);
    if (!words.empty() && described.insert(words).second) f.notes.push_back(words);
  }
  return any_good;
}

// shim (github.com/rhboot/shim) carries its vendor certificate in a ".vendor_cert" section and
// loads the second stage "grub<arch>.efi" from its own directory, verifying it itself.
bool IsShim(const PeImage& image) {
  for (const auto& s : image.sections) {
    if (s.name == ".vendor_cert") return true;
  }
  return false;
}

std::string ShimSecondStage(const std::string& loader_path, absl::string_view arch) {
  const std::string suffix = arch == "x64"     ? "x64"
                             : arch == "x86"   ? "ia32"
                             : arch == "arm64" ? "aa64"
                                               : std::string(arch);
  return absl::StrCat(loader_path.substr(0, loader_path.find_last_of('/') + 1), "grub", suffix,
                      ".efi");
}

SecureBootFinding AuditFile(device::Target& target, EfiMedia& media, const EfiFile& file,
                            SecureBootAudit& audit, bool* is_shim) {
  SecureBootFinding f;
  f.path = absl::StrCat(file.location, ":", file.path);
  f.offset = file.offset;
  f.default_loader = file.default_loader;
  auto bytes = ReadEfiFile(target, media, file, kMaxEfiFileBytes);
  if (!bytes.ok()) {
    f.notes.push_back(absl::StrCat("cannot be read: ", bytes.status().message()));
    f.refused_under_secure_boot = true;
    if (f.default_loader) {
      audit.problems.push_back({f.path, f.offset, "the default loader cannot be read"});
    }
    return f;
  }
  auto image = ParsePeImage(*bytes, f.path);
  if (!image.ok()) {
    f.notes.push_back(std::string(image.status().message()));
    f.refused_under_secure_boot = true;
    if (f.default_loader) {
      audit.problems.push_back(
          {f.path, f.offset,
           "the default loader is not a PE/COFF image: firmware will not run it"});
    }
    return f;
  }
  f.arch = MachineName(image->machine);
  *is_shim = IsShim(*image);
  f.subsystem = SubsystemName(image->subsystem);
  if (!IsEfiSubsystem(image->subsystem)) {
    f.notes.push_back(absl::StrCat(f.subsystem, ": not an EFI executable"));
  }
  if (f.default_loader) {
    const Machine wanted = *DefaultLoaderMachine(file.path);
    if (image->machine != wanted) {
      audit.problems.push_back(
          {f.path, f.offset,
           absl::StrCat("the default loader for ", MachineName(wanted), " is an ", f.arch,
                        " image: ", MachineName(wanted), " firmware will not run it")});
    }
  }
  const bool intact = AddSignatures(ReadAuthenticode(*bytes, *image, f.path), f);
  f.refused_under_secure_boot = !intact;
  if (f.default_loader && !intact) {
    std::string why = !f.is_signed ? "the default loader is unsigned"
                      : f.digest_ok.has_value() && !*f.digest_ok
                          ? "the default loader was modified after it was signed (its "
                            "Authenticode digest does not match)"
                          : "the default loader's signature does not verify";
    audit.secure_boot_problems.push_back(
        {f.path, f.offset, absl::StrCat(why, ": ", kRefusedSentence)});
  }
  return f;
}

}  // namespace

WindowsBootCa ClassifyWindowsBootCa(absl::string_view issuer_cn) {
  if (absl::EqualsIgnoreCase(issuer_cn, "Microsoft Windows Production PCA 2011")) {
    return WindowsBootCa::kProductionPca2011;
  }
  if (absl::EqualsIgnoreCase(issuer_cn, "Windows UEFI CA 2023")) return WindowsBootCa::kUefiCa2023;
  return WindowsBootCa::kNone;
}

std::string DescribeIssuer(absl::string_view issuer_cn) {
  switch (ClassifyWindowsBootCa(issuer_cn)) {
    case WindowsBootCa::kProductionPca2011:
      return "Windows boot manager under Microsoft Windows Production PCA 2011: being revoked "
             "(KB5025885, BlackLotus); firmware with the updated DBX refuses it; media with a "
             "boot manager signed under Windows UEFI CA 2023 is needed";
    case WindowsBootCa::kUefiCa2023:
      return "Windows boot manager under Windows UEFI CA 2023: boots where that CA is in the "
             "firmware's db (KB5025885 updates); older firmware without it refuses it";
    case WindowsBootCa::kNone:
      break;
  }
  if (issuer_cn.empty()) return "";
  if (absl::EqualsIgnoreCase(issuer_cn, "Microsoft Corporation UEFI CA 2011")) {
    return "under Microsoft's third-party UEFI CA 2011, in the db of most PCs with Secure Boot";
  }
  if (absl::EqualsIgnoreCase(issuer_cn, "Microsoft UEFI CA 2023")) {
    return "under Microsoft's third-party UEFI CA 2023, in the db of firmware updated since 2023";
  }
  return absl::StrCat("not under a Microsoft CA: runs with Secure Boot only where \"", issuer_cn,
                      "\" is trusted (enrolled in the firmware's db, or a shim's built-in or MOK "
                      "key)");
}

absl::StatusOr<SecureBootAudit> AuditSecureBoot(device::Target& target) {
  auto media = FindEfiFiles(target);
  if (!media.ok()) return media.status();
  SecureBootAudit audit;
  audit.notes = media->problems;
  std::vector<bool> shim(media->files.size(), false);
  for (size_t i = 0; i < media->files.size(); ++i) {
    bool is_shim = false;
    audit.findings.push_back(AuditFile(target, *media, media->files[i], audit, &is_shim));
    shim[i] = is_shim;
  }
  // A shim default loader boots only if it accepts its second stage: unsigned or modified, shim
  // refuses it as the firmware would.
  for (size_t i = 0; i < media->files.size(); ++i) {
    const SecureBootFinding& loader = audit.findings[i];
    if (!shim[i] || !loader.default_loader) continue;
    const std::string second = ShimSecondStage(media->files[i].path, loader.arch);
    bool found = false;
    for (size_t k = 0; k < media->files.size(); ++k) {
      if (media->files[k].volume != media->files[i].volume ||
          !absl::EqualsIgnoreCase(media->files[k].path, second)) {
        continue;
      }
      found = true;
      const SecureBootFinding& stage = audit.findings[k];
      audit.findings[i].notes.push_back(absl::StrCat("shim: loads ", second));
      if (stage.refused_under_secure_boot) {
        audit.secure_boot_problems.push_back(
            {stage.path, stage.offset,
             absl::StrCat(stage.is_signed ? "modified after signing or badly signed" : "unsigned",
                          ": shim (", loader.path,
                          ") will refuse to load it with Secure Boot enabled, and this media "
                          "will not boot")});
      }
    }
    if (!found) {
      audit.findings[i].notes.push_back(
          absl::StrCat("shim: no ", second, " beside it (shim then runs its fallback)"));
    }
  }
  // UEFI 2.x 3.5.1.1: on removable media the firmware runs \EFI\BOOT\BOOT<arch>.EFI, nothing
  // else; a boot volume without one does not boot.
  for (size_t v = 0; v < media->volumes.size(); ++v) {
    const EfiVolume& volume = media->volumes[v];
    if (!volume.claims_uefi_boot) continue;
    bool has_loader = false;
    for (const auto& f : media->files)
      has_loader |= f.volume == static_cast<int>(v) && f.default_loader;
    if (!has_loader) {
      audit.problems.push_back(
          {volume.where, volume.offset,
           "no removable-media default loader (\\EFI\\BOOT\\BOOTX64.EFI, BOOTIA32.EFI or "
           "BOOTAA64.EFI): UEFI firmware will not boot from this volume"});
    }
  }
  if (media->iso && !media->iso_has_uefi_boot_entry) {
    for (const auto& f : media->files) {
      if (f.volume == -1 && DefaultLoaderMachine(f.path) &&
          absl::StartsWithIgnoreCase(f.path, "/EFI/BOOT/")) {
        audit.notes.push_back(absl::StrCat(
            "ISO9660:", f.path,
            " is in the ISO tree but there is no El Torito UEFI boot entry: firmware booting "
            "this disc does not see it (a stick made from its files does)"));
        break;
      }
    }
  }
  return audit;
}

}  // namespace mediaforge::pe
