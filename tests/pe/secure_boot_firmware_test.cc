// The judge of the Secure Boot audit is the firmware itself: Debian's OVMF with Microsoft's keys
// enrolled and Secure Boot enforced (q35, SMM) boots a stick made by `mediaforge usb` with shim
// (\EFI\BOOT\BOOTX64.EFI) + Debian's signed GRUB, and refuses one whose default loader is an
// unsigned grub-mkstandalone image; `verify --secure-boot` must say the same of both.
// A third stick pairs shim with an unsigned GRUB: shim itself refuses it, and so must verify.
// TCG with SMM is slow (20 s to a minute per boot on a loaded machine): three boots only.
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
// EDK2's BDS when a boot option's image fails verification; shim when its second stage does.
constexpr char kRefusal[] = "Access Denied";
constexpr char kShimRefusal[] = "Security Violation";

testing::BootOptions SecureBootOptions() {
  testing::BootOptions o;
  o.firmware = testing::Firmware::kUefiSecureBoot;
  o.media = testing::Media::kDisk;
  o.timeout_seconds = 400;
  o.stop_on = {kRefusal, kShimRefusal};
  return o;
}

int VerifySecureBoot(const std::string& img, std::string* output) {
  auto r = testing::RunMediaforge({"verify", img, "--secure-boot"});
  *output = r.output;
  return r.exit_code;
}

// shim as \EFI\BOOT\BOOTX64.EFI, `grub` beside it as grubx64.efi, the config where Debian's
// signed GRUB looks (its prefix is built in: /EFI/debian on the volume it started from).
std::string MakeShimStick(const TempDir& dir, const std::string& grub) {
  fs::path tree = dir / "tree";
  fs::create_directories(tree / "EFI" / "BOOT");
  fs::create_directories(tree / "EFI" / "debian");
  fs::copy_file(testing::kShimSigned, tree / "EFI" / "BOOT" / "BOOTX64.EFI");
  fs::copy_file(grub, tree / "EFI" / "BOOT" / "grubx64.efi");
  testing::WriteWholeFile(tree / "EFI" / "debian" / "grub.cfg", kGrubCfg);
  const std::string img = (dir / "stick.img").string();
  auto mk = testing::RunMediaforge({"usb", tree.string(), img, "--size", "64M"});
  EXPECT_EQ(mk.exit_code, 0) << mk.output;
  return img;
}

TEST(SecureBootFirmware, OvmfBootsShimAndSignedGrubAndVerifyAgrees) {
  MF_REQUIRE_BOOT(testing::Firmware::kUefiSecureBoot);
  if (!fs::exists(testing::kShimSigned) || !fs::exists(testing::kGrubSigned)) {
    GTEST_SKIP() << "needs shim-signed and grub-efi-amd64-signed";
  }
  TempDir dir;
  const std::string img = MakeShimStick(dir, testing::kGrubSigned);

  std::string says;
  EXPECT_EQ(VerifySecureBoot(img, &says), 0) << says;
  auto boot = testing::ExpectBootsToMarker(img, kMarker, SecureBootOptions());
  EXPECT_EQ(boot.console.find(kRefusal), std::string::npos) << boot.console;
  std::cerr << "Secure Boot: shim + signed GRUB reached the marker in " << boot.seconds << " s\n";
}

TEST(SecureBootFirmware, OvmfRefusesAnUnsignedLoaderAndVerifyAgrees) {
  MF_REQUIRE_BOOT(testing::Firmware::kUefiSecureBoot);
  MF_REQUIRE_GRUB("x86_64-efi");
  TempDir dir;
  fs::path tree = dir / "tree";
  std::string why;
  ASSERT_TRUE(testing::BuildGrubEfiDefaultLoader(tree, kGrubCfg, &why)) << why;
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

TEST(SecureBootFirmware, ShimRefusesAnUnsignedGrubAndVerifyAgrees) {
  MF_REQUIRE_BOOT(testing::Firmware::kUefiSecureBoot);
  MF_REQUIRE_GRUB("x86_64-efi");
  if (!fs::exists(testing::kShimSigned)) GTEST_SKIP() << "needs shim-signed";
  TempDir dir;
  std::string why;
  const std::string grub = (dir / "grub-unsigned.efi").string();
  ASSERT_TRUE(testing::BuildGrubEfiStandalone(grub, kGrubCfg, &why)) << why;
  const std::string img = MakeShimStick(dir, grub);

  std::string says;
  EXPECT_EQ(VerifySecureBoot(img, &says), 1) << says;
  EXPECT_NE(says.find("shim"), std::string::npos) << says;
  EXPECT_NE(says.find("will refuse to load it"), std::string::npos) << says;
  auto boot = testing::BootAndWaitForMarker(img, kMarker, SecureBootOptions());
  EXPECT_FALSE(boot.marker_seen) << boot.console;
  EXPECT_NE(boot.console.find(kShimRefusal), std::string::npos) << boot.command << "\n"
                                                                << boot.console;
  std::cerr << "Secure Boot: shim refused the unsigned GRUB after " << boot.seconds << " s\n";
}

}  // namespace
}  // namespace mediaforge
