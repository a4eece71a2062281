// Boots an image in QEMU (TCG only, never KVM) with BIOS (SeaBIOS) or UEFI (OVMF) firmware and
// watches the serial line for a marker; QEMU is stopped as soon as the marker appears or the
// time limit passes. Payloads that print markers come from boot_payloads.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mediaforge::testing {

// kUefiSecureBoot: Debian's OVMF with Microsoft's keys enrolled and Secure Boot enforced (q35,
// SMM, OVMF_CODE_4M.ms.fd + a fresh copy of OVMF_VARS_4M.ms.fd per boot).
enum class Firmware { kBios, kUefi, kUefiSecureBoot };
enum class Media { kDisk, kCdrom, kUsbDisk };

struct BootOptions {
  Firmware firmware = Firmware::kUefi;
  Media media = Media::kDisk;
  int timeout_seconds = 120;
  int memory_mb = 256;
  std::vector<std::string> extra_args;  // appended to the QEMU command line
  // Output that ends the boot early without the marker (e.g. the firmware's "Access Denied").
  std::vector<std::string> stop_on;
};

struct BootResult {
  bool marker_seen = false;
  double seconds = 0;
  std::string console;  // everything QEMU printed (serial + monitor), for failure messages
  std::string command;  // the command line, for failure messages
};

// Why a boot test cannot run here (no qemu-system-x86_64, no OVMF for UEFI), or nullopt.
std::optional<std::string> BootUnavailable(Firmware firmware);

// Path of the OVMF firmware image used for kUefi.
std::string OvmfPath();
// Secure Boot OVMF with Microsoft's keys (code, variable store template); "" when absent.
std::string OvmfSecureBootCodePath();
std::string OvmfSecureBootVarsPath();

// Boots `image` read-only (a snapshot: the image is never modified) and waits for `marker`.
BootResult BootAndWaitForMarker(const std::string& image, const std::string& marker,
                                const BootOptions& options = {});

// The same, expecting the marker (a test failure naming the command line and the console
// otherwise); the result for further checks.
BootResult ExpectBootsToMarker(const std::string& image, const std::string& marker,
                               const BootOptions& options = {});

}  // namespace mediaforge::testing

// Skips the current test when QEMU (or OVMF for UEFI) is missing.
#define MF_REQUIRE_BOOT(firmware)                                                          \
  do {                                                                                     \
    if (auto why = ::mediaforge::testing::BootUnavailable(firmware)) GTEST_SKIP() << *why; \
  } while (0)
