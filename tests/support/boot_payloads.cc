#include "tests/support/boot_payloads.h"

#include <unistd.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace mediaforge::testing {
namespace {

constexpr char kGrubLib[] = "/usr/lib/grub";

// Modules every marker payload needs: run the config, print, talk to the serial port, halt.
constexpr char kCommonModules[] = "normal configfile echo serial terminal halt sleep test";

bool RunTool(const std::vector<std::string>& argv, std::string* why) {
  CommandResult r = Run(argv, 120);
  if (r.exit_code != 0) {
    *why = argv[0] + " failed (exit " + std::to_string(r.exit_code) + "): " + r.output;
    return false;
  }
  return true;
}

// Writes `content` to a temporary file next to `out_path` and returns its path.
std::string SideFile(const std::string& out_path, const std::string& suffix,
                     const std::string& content) {
  std::string path = out_path + suffix;
  WriteWholeFile(path, content);
  return path;
}

std::vector<std::string> Split(const std::string& words) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < words.size()) {
    size_t end = words.find(' ', pos);
    if (end == std::string::npos) end = words.size();
    if (end > pos) out.push_back(words.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool MkImage(const std::string& format, const std::string& out_path, const std::string& grub_cfg,
             const std::string& modules, std::string* why) {
  if (std::string w = GrubUnavailable("i386-pc"); !w.empty()) {
    *why = w;
    return false;
  }
  std::string cfg = SideFile(out_path, ".embedded.cfg", grub_cfg);
  std::vector<std::string> argv = {"grub-mkimage", "-O",         format, "-o", out_path,
                                   "-p",           "/boot/grub", "-c",   cfg};
  for (const auto& m : Split(std::string(kCommonModules) + " " + modules)) argv.push_back(m);
  bool ok = RunTool(argv, why);
  unlink(cfg.c_str());
  return ok;
}

}  // namespace

std::string MarkerGrubConfig(const std::string& marker) {
  return "serial --unit=0 --speed=115200\n"
         "terminal_input serial console\n"
         "terminal_output serial console\n"
         "echo " +
         marker +
         "\n"
         "sleep 1\n"
         "halt\n";
}

std::string GrubUnavailable(const std::string& platform) {
  const bool efi = platform == "x86_64-efi";
  const char* tool = efi ? "grub-mkstandalone" : "grub-mkimage";
  if (!HaveTool(tool)) return std::string("needs ") + tool + " (package grub-common)";
  if (!std::filesystem::exists(std::string(kGrubLib) + "/" + platform + "/kernel.img")) {
    return "needs GRUB modules for " + platform +
           (efi ? " (package grub-efi-amd64-bin)" : " (package grub-pc-bin)");
  }
  return "";
}

bool BuildGrubEfiStandalone(const std::string& out_path, const std::string& grub_cfg,
                            std::string* why) {
  if (std::string w = GrubUnavailable("x86_64-efi"); !w.empty()) {
    *why = w;
    return false;
  }
  std::string cfg = SideFile(out_path, ".grub.cfg", grub_cfg);
  std::vector<std::string> argv = {"grub-mkstandalone",
                                   "-O",
                                   "x86_64-efi",
                                   "-o",
                                   out_path,
                                   "--locales=",
                                   "--fonts=",
                                   "--themes=",
                                   std::string("--install-modules=") + kCommonModules,
                                   "--modules=" + std::string(kCommonModules),
                                   "boot/grub/grub.cfg=" + cfg};
  bool ok = RunTool(argv, why);
  unlink(cfg.c_str());
  return ok;
}

bool BuildGrubEfiDefaultLoader(const std::filesystem::path& tree, const std::string& grub_cfg,
                               std::string* why) {
  std::filesystem::create_directories(tree / "EFI/BOOT");
  return BuildGrubEfiStandalone((tree / "EFI/BOOT/BOOTX64.EFI").string(), grub_cfg, why);
}

bool BuildGrubBiosEltorito(const std::string& out_path, const std::string& grub_cfg,
                           std::string* why) {
  return MkImage("i386-pc-eltorito", out_path, grub_cfg, "biosdisk iso9660", why);
}

bool BuildGrubBiosCore(const std::string& out_path, const std::string& grub_cfg, std::string* why) {
  return MkImage("i386-pc", out_path, grub_cfg, "biosdisk part_msdos part_gpt iso9660 fat", why);
}

std::string GrubI386PcDir() {
  std::string dir = std::string(kGrubLib) + "/i386-pc";
  return std::filesystem::exists(dir + "/boot.img") ? dir : "";
}

}  // namespace mediaforge::testing
