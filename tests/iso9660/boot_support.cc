#include "tests/iso9660/boot_support.h"

#include <unistd.h>

#include <vector>

#include "tests/support/boot_payloads.h"
#include "tests/support/test_support.h"

namespace mediaforge::testing {
namespace fs = std::filesystem;
namespace {

std::string RunOk(const std::vector<std::string>& argv) {
  CommandResult r = Run(argv, 120);
  if (r.exit_code == 0) return "";
  return argv[0] + " failed: " + r.output;
}

}  // namespace

void WriteIsoGrubConfig(const fs::path& tree, const std::string& marker) {
  fs::create_directories((tree / kIsoGrubConfig).parent_path());
  WriteWholeFile(tree / kIsoGrubConfig,
                 "serial --unit=0 --speed=115200\nterminal_output serial console\necho " + marker +
                     "\nsleep 30\n");
}

namespace {
// Embedded config: find the ISO by the test config file and run it.
std::string EmbeddedConfig() {
  return std::string("serial --unit=0 --speed=115200\nterminal_output serial console\n") +
         "search --no-floppy --file --set=root /" + kIsoGrubConfig + "\nconfigfile /" +
         kIsoGrubConfig + "\n";
}
}  // namespace

std::string BiosEmbeddedGrubConfig() {
  return std::string("serial --unit=0 --speed=115200\nterminal_output serial console\n") +
         "configfile /" + kIsoGrubConfig + "\n";
}

std::string BuildGrubEfiTree(const fs::path& efi_tree, const fs::path& fat_image) {
  if (!HaveTool("grub-mkstandalone")) return "grub-mkstandalone is not installed";
  if (!fs::exists("/usr/lib/grub/x86_64-efi")) return "grub-efi-amd64-bin is not installed";
  fs::path boot = efi_tree / "EFI" / "BOOT";
  fs::create_directories(boot);
  fs::path cfg = efi_tree.parent_path() / "grub-efi-embedded.cfg";
  WriteWholeFile(cfg, EmbeddedConfig());
  const char* kModules =
      "part_msdos part_gpt iso9660 fat search search_fs_file configfile echo serial terminal "
      "sleep";
  std::string err =
      RunOk({"grub-mkstandalone", "-O", "x86_64-efi", "--modules", kModules, "--install-modules",
             kModules, "--locales=", "--themes=", "--fonts=", "-o", (boot / "BOOTX64.EFI").string(),
             "boot/grub/grub.cfg=" + cfg.string()});
  if (!err.empty() || fat_image.empty()) return err;
  if (!HaveTool("mformat") || !HaveTool("mcopy")) return "mtools is not installed";
  uint64_t size = fs::file_size(boot / "BOOTX64.EFI") + (1 << 20);
  size = (size + (1 << 20) - 1) / (1 << 20) * (1 << 20);
  if (truncate(fat_image.c_str(), 0) != 0) WriteWholeFile(fat_image, "");
  if (truncate(fat_image.c_str(), static_cast<off_t>(size)) != 0) return "truncate failed";
  std::string img = fat_image.string();
  if (!(err = RunOk({"mformat", "-i", img, "::"})).empty()) return err;
  if (!(err = RunOk({"mmd", "-i", img, "::/EFI", "::/EFI/BOOT"})).empty()) return err;
  return RunOk({"mcopy", "-i", img, (boot / "BOOTX64.EFI").string(), "::/EFI/BOOT/BOOTX64.EFI"});
}

std::string InstallIsolinux(const fs::path& tree, const std::string& marker) {
  const fs::path bin = "/usr/lib/ISOLINUX/isolinux.bin";
  const fs::path ldlinux = "/usr/lib/syslinux/modules/bios/ldlinux.c32";
  if (!fs::exists(bin) || !fs::exists(ldlinux)) return "isolinux / syslinux-common not installed";
  fs::create_directories(tree / "isolinux");
  fs::copy_file(bin, tree / "isolinux" / "isolinux.bin", fs::copy_options::overwrite_existing);
  fs::copy_file(ldlinux, tree / "isolinux" / "ldlinux.c32", fs::copy_options::overwrite_existing);
  WriteWholeFile(tree / "isolinux" / "isolinux.cfg", "SERIAL 0 115200\nSAY " + marker +
                                                         "\nPROMPT 0\nTIMEOUT 300\nDEFAULT none\n"
                                                         "LABEL none\n  KERNEL none\n");
  return "";
}

TempDir* BootSuite::dir_ = nullptr;
std::string* BootSuite::skip_ = nullptr;
std::string* BootSuite::build_error_ = nullptr;

void BootSuite::TearDownTestSuite() {
  delete dir_;
  delete skip_;
  delete build_error_;
  dir_ = nullptr;
  skip_ = build_error_ = nullptr;
}

bool BootSuite::BuildGrubPayloads(const fs::path& eltorito, const fs::path& efi_tree,
                                  const fs::path& efi_image) {
  std::string why;
  if (!BuildGrubBiosEltorito(eltorito.string(), BiosEmbeddedGrubConfig(), &why)) {
    skip_ = new std::string(why);
    return false;
  }
  why = BuildGrubEfiTree(efi_tree, efi_image);
  if (!why.empty()) {
    skip_ = new std::string(why);
    return false;
  }
  return true;
}

void BootSuite::Boot(const std::string& image, const std::string& marker, Firmware firmware,
                     Media media) {
  MF_REQUIRE_BOOT(firmware);
  if (skip_) GTEST_SKIP() << *skip_;
  ASSERT_EQ(build_error_, nullptr) << *build_error_;
  ExpectBootsToMarker((*dir_ / image).string(), marker,
                      {.firmware = firmware, .media = media, .memory_mb = 512});
}

}  // namespace mediaforge::testing
