// The Secure Boot audit of a media (issue 11): for every EFI executable on it (each FAT volume,
// the El Torito UEFI image, the ISO9660 tree), its architecture, whether it is signed, whether
// the Authenticode image digest still matches the signed one, who signed it and under which CA;
// for a Windows boot manager, whether it is under the 2011 production CA being revoked
// (KB5025885, BlackLotus) or the 2023 one. Returns findings as data; the CLI words them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "device/target.h"

namespace mediaforge::pe {

struct SecureBootFinding {
  std::string path;     // "partition 1:/EFI/BOOT/BOOTX64.EFI", "ISO9660:/EFI/BOOT/BOOTX64.EFI"
  uint64_t offset = 0;  // byte offset of its directory entry on the target
  std::string arch;     // "x64", "x86", "arm64", "arm", "unknown"; "" when not a PE image
  std::string subsystem;
  bool is_signed = false;
  std::optional<bool> digest_ok;  // unset when unsigned or unreadable
  std::optional<bool> signature_ok;
  std::string signer;           // leaf subject CN of the first signature
  std::string issuer;           // its issuer CN
  bool default_loader = false;  // \EFI\BOOT\BOOT<arch>.EFI on a volume firmware boots from
  // Firmware enforcing Secure Boot will refuse to run it (unsigned, modified after signing,
  // signature that does not verify, not a PE image).
  bool refused_under_secure_boot = false;
  std::vector<std::string> notes;
};

struct SecureBootProblem {
  std::string where;
  std::optional<uint64_t> offset;
  std::string what;
};

struct SecureBootAudit {
  std::vector<SecureBootFinding> findings;
  // Problems whatever the firmware's Secure Boot setting: no default loader on a volume that
  // claims UEFI boot, a default loader for the wrong architecture or not a PE image.
  std::vector<SecureBootProblem> problems;
  // Problems when Secure Boot is enforced: an unsigned or tampered default loader.
  std::vector<SecureBootProblem> secure_boot_problems;
  // What could not be read or audited (the structural check reports the damage itself).
  std::vector<std::string> notes;
};

absl::StatusOr<SecureBootAudit> AuditSecureBoot(device::Target& target);

// Windows boot managers by the CA their signer's certificate was issued by (KB5025885).
enum class WindowsBootCa {
  kNone,               // not one of the Windows production CAs
  kProductionPca2011,  // "Microsoft Windows Production PCA 2011": being revoked
  kUefiCa2023,         // "Windows UEFI CA 2023": the replacement
};
WindowsBootCa ClassifyWindowsBootCa(absl::string_view issuer_cn);

// Words for a signature's issuer, or "" when there is nothing to say: the Windows production
// CAs above, Microsoft's third-party UEFI CAs (2011, 2023), or a key outside Microsoft's.
std::string DescribeIssuer(absl::string_view issuer_cn);

}  // namespace mediaforge::pe
