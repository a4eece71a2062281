#include "tests/support/qemu_boot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "tests/support/test_support.h"

namespace mediaforge::testing {

std::string OvmfPath() {
  for (const char* p :
       {"/usr/share/ovmf/OVMF.fd", "/usr/share/OVMF/OVMF.fd", "/usr/share/qemu/OVMF.fd"}) {
    if (access(p, R_OK) == 0) return p;
  }
  return "";
}

std::string OvmfSecureBootCodePath() {
  const char* p = "/usr/share/OVMF/OVMF_CODE_4M.ms.fd";
  return access(p, R_OK) == 0 ? p : "";
}

std::string OvmfSecureBootVarsPath() {
  const char* p = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd";
  return access(p, R_OK) == 0 ? p : "";
}

std::optional<std::string> BootUnavailable(Firmware firmware) {
  // The sanitizer run of CI (.ci/run) leaves the QEMU boots to the normal run: QEMU is not
  // instrumented, and the boots would take most of CI's time under ASan.
  if (const char* skip = std::getenv("MEDIAFORGE_SKIP_BOOT_TESTS"); skip && *skip == '1') {
    return "MEDIAFORGE_SKIP_BOOT_TESTS=1 (the normal build's run boots the media)";
  }
  if (!HaveTool("qemu-system-x86_64")) return "needs qemu-system-x86_64 (package qemu-system-x86)";
  if (firmware == Firmware::kUefi && OvmfPath().empty()) return "needs OVMF (package ovmf)";
  if (firmware == Firmware::kUefiSecureBoot &&
      (OvmfSecureBootCodePath().empty() || OvmfSecureBootVarsPath().empty())) {
    return "needs OVMF_CODE_4M.ms.fd and OVMF_VARS_4M.ms.fd (package ovmf)";
  }
  return std::nullopt;
}

namespace {

// Firmware and loaders (SeaBIOS, isolinux) draw on the serial console with ANSI cursor moves,
// which can land in the middle of a marker ("MF-ISO-ISOLINUX\x1b[11;15H-READ-CONFIG"): compare
// markers against the text with CSI sequences (ESC [ params final-byte) taken out, and carriage
// returns too: SeaBIOS's serial console moves the cursor with "\r\x1b[11;02H" between two
// characters of SYSLINUX's SAY line ("M\r\x1b[11;02HEDIAFORGE-USB-BIOS-OK", seen under load).
std::string WithoutTerminalControls(const std::string& out) {
  std::string text;
  text.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\x1b' && i + 1 < out.size() && out[i + 1] == '[') {
      i += 2;
      while (i < out.size() && !(out[i] >= 0x40 && out[i] <= 0x7e)) ++i;
      continue;
    }
    if (out[i] == '\r') continue;
    text.push_back(out[i]);
  }
  return text;
}

}  // namespace

BootResult BootAndWaitForMarker(const std::string& image, const std::string& marker,
                                const BootOptions& options) {
  BootResult result;
  std::vector<std::string> argv = {"qemu-system-x86_64",
                                   "-machine",
                                   "accel=tcg",
                                   "-m",
                                   std::to_string(options.memory_mb),
                                   "-nographic",
                                   "-serial",
                                   "mon:stdio",
                                   "-no-reboot",
                                   "-snapshot"};
  if (options.firmware == Firmware::kUefi) {
    argv.insert(argv.end(), {"-bios", OvmfPath()});
  }
  // The variable store is writable flash: each boot gets its own copy of the template.
  std::optional<TempDir> vars_dir;
  if (options.firmware == Firmware::kUefiSecureBoot) {
    vars_dir.emplace();
    const std::string vars = (*vars_dir / "OVMF_VARS.fd").string();
    std::filesystem::copy_file(OvmfSecureBootVarsPath(), vars);
    argv.insert(
        argv.end(),
        {"-machine", "q35,smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on",
         "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OvmfSecureBootCodePath(),
         "-drive", "if=pflash,format=raw,unit=1,file=" + vars, "-nic", "none"});
  }
  switch (options.media) {
    case Media::kDisk:
      argv.insert(argv.end(), {"-drive", "file=" + image + ",format=raw,if=ide", "-boot", "c"});
      break;
    case Media::kCdrom:
      argv.insert(argv.end(),
                  {"-drive", "file=" + image + ",media=cdrom,readonly=on", "-boot", "d"});
      break;
    case Media::kUsbDisk:
      argv.insert(argv.end(), {"-drive", "file=" + image + ",format=raw,if=none,id=stick",
                               "-device", "qemu-xhci", "-device", "usb-storage,drive=stick"});
      break;
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  for (const auto& a : argv) result.command += a + " ";

  const auto t0 = std::chrono::steady_clock::now();
  CommandResult r = RunUntil(argv, options.timeout_seconds, [&](const std::string& out) {
    const std::string text = WithoutTerminalControls(out);
    if (text.find(marker) != std::string::npos) return true;
    for (const auto& s : options.stop_on) {
      if (text.find(s) != std::string::npos) return true;
    }
    return false;
  });
  result.console = std::move(r.output);
  result.marker_seen = WithoutTerminalControls(result.console).find(marker) != std::string::npos;
  if (r.timed_out) {
    result.console +=
        "[qemu_boot: no marker after " + std::to_string(options.timeout_seconds) + " s]\n";
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

BootResult ExpectBootsToMarker(const std::string& image, const std::string& marker,
                               const BootOptions& options) {
  BootResult result = BootAndWaitForMarker(image, marker, options);
  EXPECT_TRUE(result.marker_seen) << result.command << "\n" << result.console;
  return result;
}

}  // namespace mediaforge::testing
