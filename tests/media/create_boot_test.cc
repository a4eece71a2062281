// Media made by `mediaforge create` boot: a GRUB payload as boot image (BIOS El Torito image +
// UEFI standalone GRUB in EFI/BOOT), the hybrid ISO booted as CD and as disk under SeaBIOS and
// OVMF, and the USB image under OVMF. The payload prints its marker only after reading a config
// file from the media (tests/iso9660/boot_support.h). QEMU runs under TCG.
#include <gtest/gtest.h>

#include <filesystem>

#include "nlohmann/json.hpp"
#include "tests/iso9660/boot_support.h"
#include "tests/support/boot_payloads.h"
#include "tests/support/qemu_boot.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;
using testing::Firmware;
using testing::Media;
using testing::TempDir;

constexpr char kMarker[] = "MEDIAFORGE-CREATE-BOOT-OK";

class CreateBoot : public testing::BootSuite {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    fs::path boot = *dir_ / "bootimage";
    fs::create_directories(boot / "boot/grub/i386-pc");
    testing::WriteIsoGrubConfig(boot, kMarker);
    if (!BuildGrubPayloads(boot / "boot/grub/i386-pc/eltorito.img", boot, "")) return;
    for (const char* kind : {"iso", "usb"}) {
      nlohmann::ordered_json spec = {
          {"type", "bootable"},           {"management_points", {"http://mp.corp.example"}},
          {"label", "MF Boot Test"},      {"boot_image", {{"path", "bootimage"}}},
          {"target_architecture", "x64"}, {"variables", {{"A", "1"}}}};
      if (std::string(kind) == "iso") {
        spec["output"] = {{"kind", "iso"},
                          {"path", "media.iso"},
                          {"hybrid", true},
                          {"grub2_mbr", testing::GrubI386PcDir() + "/boot_hybrid.img"}};
      } else {
        spec["output"] = {{"kind", "usb"}, {"target", "stick.img"}, {"scheme", "gpt"}};
      }
      testing::WriteWholeFile(*dir_ / "spec.json", spec.dump());
      auto r = testing::RunMediaforge({"create", (*dir_ / "spec.json").string()}, 600);
      if (r.exit_code != 0) {
        build_error_ = new std::string(r.output);
        return;
      }
    }
  }
  static void Boot(const char* image, Firmware firmware, Media media) {
    BootSuite::Boot(image, kMarker, firmware, media);
  }
};

TEST_F(CreateBoot, IsoBiosCdrom) { Boot("media.iso", Firmware::kBios, Media::kCdrom); }
TEST_F(CreateBoot, IsoUefiCdrom) { Boot("media.iso", Firmware::kUefi, Media::kCdrom); }
TEST_F(CreateBoot, IsoBiosHybridDisk) { Boot("media.iso", Firmware::kBios, Media::kDisk); }
TEST_F(CreateBoot, IsoUefiHybridDisk) { Boot("media.iso", Firmware::kUefi, Media::kDisk); }
TEST_F(CreateBoot, UsbImageUefi) { Boot("stick.img", Firmware::kUefi, Media::kDisk); }

// BIOS boot of a USB stick made by `create`: the boot records the `usb` command installs
// (output.mbr_code: syslinux's mbr.bin), syslinux installed on the FAT32 volume by its own
// installer (as for `usb`, tests/usb/usb_test.cc), SeaBIOS under TCG.
TEST(CreateUsbBoot, SeabiosBootsTheCreatedStick) {
  MF_REQUIRE_BOOT(Firmware::kBios);
  MF_REQUIRE_TOOL("syslinux");
  const std::string mbr_bin = "/usr/lib/syslinux/mbr/mbr.bin";
  if (!fs::exists(mbr_bin)) GTEST_SKIP() << "needs syslinux-common's mbr.bin";
  TempDir dir;
  if (auto why = testing::MakeBootImageTree(dir / "boot"); !why.empty()) GTEST_SKIP() << why;
  fs::create_directories(dir / "boot/syslinux");
  testing::WriteWholeFile(
      dir / "boot/syslinux/syslinux.cfg",
      std::string("SERIAL 0 115200\nSAY ") + kMarker + "\nPROMPT 0\nTIMEOUT 1\nDEFAULT none\n");
  nlohmann::ordered_json spec = {
      {"type", "bootable"},
      {"management_points", {"http://mp.corp.example"}},
      {"boot_image", {{"path", "boot"}}},
      {"output",
       {{"kind", "usb"}, {"target", "stick.img"}, {"size", "64M"}, {"mbr_code", mbr_bin}}}};
  testing::WriteWholeFile(dir / "spec.json", spec.dump());
  auto r = testing::RunMediaforge({"create", (dir / "spec.json").string()}, 600);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string img = (dir / "stick.img").string();
  auto v = testing::RunMediaforge({"verify", img});
  EXPECT_EQ(v.exit_code, 0) << v.output;
  // (syslinux rewrites the boot sector but not its FAT32 backup, which verify would report.)
  auto inst = testing::Run(
      {"syslinux", "--install", "--offset", "1048576", "--directory", "/syslinux", img});
  ASSERT_EQ(inst.exit_code, 0) << inst.output;
  testing::ExpectBootsToMarker(
      img, kMarker, {.firmware = Firmware::kBios, .media = Media::kDisk, .timeout_seconds = 300});
}

}  // namespace
}  // namespace mediaforge
