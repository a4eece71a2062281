#include "tools/secure_boot_report.h"

#include "absl/strings/str_cat.h"
#include "fs/pe/secure_boot_audit.h"
#include "tools/cli_common.h"

namespace mediaforge::cli {
namespace {

nlohmann::json OptionalBool(const std::optional<bool>& b) {
  return b ? nlohmann::json(*b) : nlohmann::json(nullptr);
}

std::string Describe(const pe::SecureBootFinding& f) {
  std::string line = absl::StrCat("secure boot: ", f.path, ": ");
  if (f.arch.empty()) return absl::StrCat(line, "not a PE/COFF image");
  absl::StrAppend(&line, f.arch, " ", f.subsystem);
  if (!f.is_signed) {
    absl::StrAppend(&line, ", unsigned");
  } else {
    absl::StrAppend(&line, ", signed by \"", f.signer, "\" (issuer \"", f.issuer, "\"), digest ",
                    f.digest_ok.value_or(false) ? "OK" : "MISMATCH",
                    f.signature_ok.value_or(false) ? "" : ", signature does not verify");
  }
  if (f.default_loader) absl::StrAppend(&line, " [default loader]");
  return line;
}

}  // namespace

absl::Status ReportSecureBoot(device::Target& target, bool enforce_secure_boot,
                              std::vector<device::Problem>& problems, nlohmann::json& extra) {
  auto audit = pe::AuditSecureBoot(target);
  if (!audit.ok()) return audit.status();
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : audit->findings) {
    Say(Describe(f));
    for (const auto& n : f.notes) Say(absl::StrCat("  ", n));
    findings.push_back({{"path", f.path},
                        {"offset", f.offset},
                        {"arch", f.arch},
                        {"subsystem", f.subsystem},
                        {"signed", f.is_signed},
                        {"digest_ok", OptionalBool(f.digest_ok)},
                        {"signature_ok", OptionalBool(f.signature_ok)},
                        {"signer", f.signer},
                        {"issuer", f.issuer},
                        {"default_loader", f.default_loader},
                        {"refused_under_secure_boot", f.refused_under_secure_boot},
                        {"notes", f.notes}});
  }
  if (audit->findings.empty()) Say("secure boot: no EFI executables found");
  for (const auto& n : audit->notes) Say(absl::StrCat("secure boot: ", n));
  for (const auto& p : audit->problems) problems.push_back({p.where, p.offset, p.what});
  for (const auto& p : audit->secure_boot_problems) {
    if (enforce_secure_boot) {
      problems.push_back({p.where, p.offset, p.what});
    } else {
      Say(absl::StrCat("warning: ", p.where, ": ", p.what));
    }
  }
  extra["secure_boot"] = std::move(findings);
  return absl::OkStatus();
}

}  // namespace mediaforge::cli
