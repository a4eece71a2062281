// `verify`'s Secure Boot audit (fs/pe/secure_boot_audit.h) in words and JSON: one line per EFI
// executable, its notes, and the problems it adds to verify's list.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "device/problem.h"
#include "device/target.h"
#include "nlohmann/json.hpp"

namespace mediaforge::cli {

// Audits `target`, prints the findings, appends its problems to `problems` (with
// `enforce_secure_boot`, also an unsigned or tampered default loader) and sets
// extra["secure_boot"] to [{path, arch, signed, digest_ok, signer, issuer, notes, ...}].
absl::Status ReportSecureBoot(device::Target& target, bool enforce_secure_boot,
                              std::vector<device::Problem>& problems, nlohmann::json& extra);

}  // namespace mediaforge::cli
