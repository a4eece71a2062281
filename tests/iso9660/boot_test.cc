// Booting mediaforge ISOs on real firmware in QEMU (TCG): {SeaBIOS, OVMF} x {CD-ROM, disk} with
// GRUB payloads built at test time (BIOS: i386-pc-eltorito + boot_hybrid.img; UEFI: a standalone
// x86_64-efi GRUB in the El Torito EFI image), and isolinux (BIOS CD, and disk through
// isohdpfx.bin). Every payload prints its marker only after reading a file from the ISO.
#include <gtest/gtest.h>

#include <filesystem>

#include "device/target.h"
#include "fs/iso9660/iso9660.h"
#include "tests/iso9660/boot_support.h"
#include "tests/iso9660/iso_test_util.h"
#include "tests/support/boot_payloads.h"
#include "tests/support/qemu_boot.h"
#include "tests/support/test_support.h"

namespace mediaforge::testing {
namespace {
namespace fs = std::filesystem;

constexpr char kGrubMarker[] = "MF-ISO-GRUB-READ-CONFIG";
constexpr char kIsolinuxMarker[] = "MF-ISO-ISOLINUX-READ-CONFIG";

// CheckIso's findings, one per line ("" when clean).
std::string CheckImage(const fs::path& image) {
  auto target = device::OpenTarget(image.string(), {.direct = false});
  if (!target.ok()) return std::string(target.status().message());
  std::string out;
  for (const auto& p : iso9660::CheckIso(**target)) out += p.where + ": " + p.what + "\n";
  return out;
}

// One GRUB image built once for the suite: BIOS El Torito + UEFI image + hybrid GRUB MBR.
class IsoGrubBoot : public BootSuite {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    fs::path src = *dir_ / "src";
    fs::create_directories(src / "boot" / "grub");
    WriteIsoGrubConfig(src, kGrubMarker);
    WriteWholeFile(src / "hello.txt", "hello\n");
    if (!BuildGrubPayloads(src / "boot/grub/eltorito.img", *dir_ / "efitree",
                           src / "boot" / "efi.img")) {
      return;
    }
    std::string boot_hybrid = GrubI386PcDir() + "/boot_hybrid.img";
    auto r = RunMediaforgeIso({src.string(), "-o", (*dir_ / "grub.iso").string(), "--bios-boot",
                               "boot/grub/eltorito.img", "--boot-info-table", "--efi-boot",
                               "boot/efi.img", "--grub2-mbr", boot_hybrid, "--date", "1700000000"});
    if (r.exit_code != 0) build_error_ = new std::string(r.output);
  }
  static void Boot(Firmware firmware, Media media) {
    BootSuite::Boot("grub.iso", kGrubMarker, firmware, media);
  }
};

TEST_F(IsoGrubBoot, BiosCdrom) { Boot(Firmware::kBios, Media::kCdrom); }
TEST_F(IsoGrubBoot, BiosHybridDisk) { Boot(Firmware::kBios, Media::kDisk); }
TEST_F(IsoGrubBoot, UefiCdrom) { Boot(Firmware::kUefi, Media::kCdrom); }
TEST_F(IsoGrubBoot, UefiHybridDisk) { Boot(Firmware::kUefi, Media::kDisk); }
// The same file written raw to a USB stick (usb-storage on xHCI).
TEST_F(IsoGrubBoot, BiosHybridUsbStick) { Boot(Firmware::kBios, Media::kUsbDisk); }
TEST_F(IsoGrubBoot, UefiHybridUsbStick) { Boot(Firmware::kUefi, Media::kUsbDisk); }

TEST_F(IsoGrubBoot, XorrisoReportsBothPlatformsAndPartitions) {
  MF_REQUIRE_TOOL("xorriso");
  if (skip_) GTEST_SKIP() << *skip_;
  ASSERT_EQ(build_error_, nullptr) << *build_error_;
  auto r = testing::Run({"xorriso", "-indev", (*dir_ / "grub.iso").string(), "-report_el_torito",
                         "plain", "-report_system_area", "plain"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("El Torito boot img :   1  BIOS  y   none"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("El Torito boot img :   2  UEFI  y   none"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("/boot/grub/eltorito.img"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("MBR partition      :   2   0x00  0xef"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("GPT partition name :   1  45004600490020005300"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("GPT CRC should be"), std::string::npos) << r.output;
  // Our own checker agrees (boot info table, GRUB patch, MBR/GPT, ESP on the EFI image).
  EXPECT_EQ(CheckImage(*dir_ / "grub.iso"), "");
}

// --efi-dir: the El Torito EFI image is built by mediaforge's own FAT writer from a directory.
TEST(IsoEfiDirBoot, UefiCdromAndHybridDisk) {
  MF_REQUIRE_BOOT(Firmware::kUefi);
  TempDir dir;
  fs::path src = dir / "src";
  WriteIsoGrubConfig(src, kGrubMarker);
  std::string why = BuildGrubEfiTree(src / "efi", "");
  if (!why.empty()) GTEST_SKIP() << why;
  auto r = RunMediaforgeIso({src.string(), "-o", (dir / "efidir.iso").string(), "--efi-dir", "efi",
                             "--hybrid", "--date", "1700000000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (Media media : {Media::kCdrom, Media::kDisk}) {
    ExpectBootsToMarker((dir / "efidir.iso").string(), kGrubMarker,
                        {.firmware = Firmware::kUefi, .media = media, .memory_mb = 512});
  }
  EXPECT_EQ(CheckImage(dir / "efidir.iso"), "");
}

TEST(IsoIsolinuxBoot, BiosCdromAndHybridDisk) {
  MF_REQUIRE_BOOT(Firmware::kBios);
  TempDir dir;
  std::string why = InstallIsolinux(dir / "src", kIsolinuxMarker);
  if (!why.empty()) GTEST_SKIP() << why;
  WriteWholeFile(dir / "src" / "hello.txt", "hello\n");
  auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / "isolinux.iso").string(),
                             "--bios-boot", "isolinux/isolinux.bin", "--boot-info-table",
                             "--isohybrid-mbr", "/usr/lib/ISOLINUX/isohdpfx.bin"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (Media media : {Media::kCdrom, Media::kDisk}) {
    ExpectBootsToMarker((dir / "isolinux.iso").string(), kIsolinuxMarker,
                        {.firmware = Firmware::kBios, .media = media});
  }
  EXPECT_EQ(CheckImage(dir / "isolinux.iso"), "");
  auto x = testing::Run(
      {"xorriso", "-indev", (dir / "isolinux.iso").string(), "-report_system_area", "plain"});
  EXPECT_NE(x.output.find("MBR isohybrid"), std::string::npos) << x.output;
}

}  // namespace
}  // namespace mediaforge::testing
