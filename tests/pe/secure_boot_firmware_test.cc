// The judge of the Secure Boot audit is the firmware itself: Debian's OVMF with Microsoft's keys
// enrolled and Secure Boot enforced (q35, SMM) boots a stick made by `mediaforge usb` with shim
// (\EFI\BOOT\BOOTX64.EFI) + Debian's signed GRUB, and refuses one whose default loader is an
// unsigned grub-mkstandalone image; `verify --secure-boot` must say the same of both.
// TCG with SMM is slow (about a minute per boot on a loaded machine): two boots only.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/pe/pe_test_util.h"
#include "tests/support/boot_payloads.h"
#include "tests/support/qemu_boot.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr char kMarker[] = "MEDIAFORGE-SECURE-BOOT-OK";
// Debian's signed GRUB prints through the firmware console, which OVMF copies to the serial
// line; GRUB's own serial terminal is not needed (and lockdown may restrict it).
constexpr char kGrubCfg[] = "echo MEDIAFORGE-SECURE-BOOT-OK\nsleep 1\nhalt\n";
// EDK2's BDS when a boot option's image fails verification.
constexpr char kRefusal[] = "Access Denied";

testing::BootOptions SecureBootOptions() {
  testing::BootOptions o;
  o.firmware = testing::Firmware::kUefiSecureBoot;
  o.media = testing::Media::kDisk;
  o.timeout_seconds = 400;
  o.stop_on = {kRefusal};
  return o;
}

int VerifySecureBoot(const std::string& img, std::string* output) {
  auto r = testing::RunMediaforge({"verify", img, "--secure-boot"});
  *output = r.output;
  return r.exit_code;
}

TEST(SecureBootFirmware, OvmfBootsShimAndSignedGrubAndVerifyAgrees) {
  MF_REQUIRE_BOOT(testing::Firmware::kUefiSecureBoot);
  if (!fs::exists(testing::kShimSigned) || !fs::exists(testing::kGrubSigned)) {
    GTEST_SKIP() << "needs shim-signed and grub-efi-amd64-signed";
  }
  TempDir dir;
  fs::path tree = dir / "tree";
  fs::create_directories(tree / "EFI" / "BOOT");
  fs::create_directories(tree / "EFI" / "debian");
  fs::copy_file(testing::kShimSigned, tree / "EFI" / "BOOT" / "BOOTX64.EFI");
  fs::copy_file(testing::kGrubSigned, tree / "EFI" / "BOOT" / "grubx64.efi");
  // Debian's signed GRUB has its prefix built in: /EFI/debian on the volume it started from.
  testing::WriteWholeFile(tree / "EFI" / "debian" / "grub.cfg", kGrubCfg);
  const std::string img = (dir / "stick.img").string();
  auto mk = testing::RunMediaforge({"usb", tree.string(), img, "--size", "64M"});
  ASSERT_EQ(mk.exit_code, 0) << mk.output;

  std::string says;
  EXPECT_EQ(VerifySecureBoot(img, &says), 0) << says;
  auto boot = testing::BootAndWaitForMarker(img, kMarker, SecureBootOptions());
  EXPECT_TRUE(boot.marker_seen) << boot.command << "\n" << boot.console;
  EXPECT_EQ(boot.console.find(kRefusal), std::string::npos) << boot.console;
  std::cerr << "Secure Boot: shim + signed GRUB reached the marker in " << boot.seconds << " s\n";
}

TEST(SecureBootFirmware, OvmfRefusesAnUnsignedLoaderAndVerifyAgrees) {
  MF_REQUIRE_BOOT(testing::Firmware::kUefiSecureBoot);
  std::string why = testing::GrubUnavailable("x86_64-efi");
  if (!why.empty()) GTEST_SKIP() << why;
  TempDir dir;
  fs::path tree = dir / "tree";
  fs::create_directories(tree / "EFI" / "BOOT");
  ASSERT_TRUE(testing::BuildGrubEfiStandalone((tree / "EFI" / "BOOT" / "BOOTX64.EFI").string(),
                                              kGrubCfg, &why))
      << why;
  const std::string img = (dir / "stick.img").string();
  auto mk = testing::RunMediaforge({"usb", tree.string(), img, "--size", "64M"});
  ASSERT_EQ(mk.exit_code, 0) << mk.output;

  std::string says;
  EXPECT_EQ(VerifySecureBoot(img, &says), 1) << says;
  EXPECT_NE(says.find("Secure Boot enabled will refuse"), std::string::npos) << says;
  auto boot = testing::BootAndWaitForMarker(img, kMarker, SecureBootOptions());
  EXPECT_FALSE(boot.marker_seen) << boot.console;
  EXPECT_NE(boot.console.find(kRefusal), std::string::npos) << boot.command << "\n" << boot.console;
  std::cerr << "Secure Boot: unsigned loader refused after " << boot.seconds << " s\n";
}

}  // namespace
}  // namespace mediaforge
