// Real firmware reads what we write: OVMF (UEFI, in QEMU with TCG) boots a FAT32 image holding
// EFI/BOOT/BOOTX64.EFI (a GRUB built now that prints a marker on the serial line), and SeaBIOS
// runs our default boot code, which says the disk is not bootable (SeaBIOS mirrors the screen
// to the serial line).
#include <gtest/gtest.h>

#include "tests/fat32/fat_test_util.h"
#include "tests/support/boot_payloads.h"
#include "tests/support/qemu_boot.h"

namespace mediaforge::fat32 {
namespace {

using namespace testutil;

// UEFI firmware reads every FAT type we write: FAT32 (USB sticks, ESPs), FAT16, and the
// smallest auto-sized image (what an El Torito EFI image built from a directory is).
struct UefiCase {
  std::string name;
  std::vector<std::string> args;
  std::string type;
};

class OvmfBoot : public ::testing::TestWithParam<UefiCase> {};

TEST_P(OvmfBoot, BootsGrubEfiFromOurVolume) {
  MF_REQUIRE_BOOT(testing::Firmware::kUefi);
  MF_REQUIRE_GRUB("x86_64-efi");
  TempDir dir;
  std::string why;
  ASSERT_TRUE(testing::BuildGrubEfiDefaultLoader(
      dir / "src", testing::MarkerGrubConfig("MEDIAFORGE-FAT-UEFI-OK"), &why))
      << why;
  const std::string img = (dir / "esp.img").string();
  std::vector<std::string> args = {img,       "--from", (dir / "src").string(),
                                   "--label", "ESP",    "--json"};
  args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
  auto r = Format(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"type\":\"" + GetParam().type + "\""), std::string::npos) << r.output;
  testing::ExpectBootsToMarker(img, "MEDIAFORGE-FAT-UEFI-OK",
                               {.firmware = testing::Firmware::kUefi});
}

INSTANTIATE_TEST_SUITE_P(
    Types, OvmfBoot,
    ::testing::Values(UefiCase{"Fat32", {"--size", "64M", "--fat", "32"}, "FAT32"},
                      UefiCase{"Fat16", {"--size", "16M"}, "FAT16"},
                      UefiCase{"SmallestAutoSized", {}, "FAT12"}),
    [](const auto& info) { return info.param.name; });

TEST(Boot, SeabiosRunsTheDefaultBootCode) {
  MF_REQUIRE_BOOT(testing::Firmware::kBios);
  TempDir dir;
  const std::string img = (dir / "plain.img").string();
  auto r = Format({img, "--size", "64M"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  testing::ExpectBootsToMarker(img, "Not a bootable disk",
                               {.firmware = testing::Firmware::kBios, .timeout_seconds = 60});
}

}  // namespace
}  // namespace mediaforge::fat32
