// `mediaforge usb`: sticks judged by sfdisk, sgdisk, blkid, fsck.fat and mtools, written to
// loop devices with partition scanning, refused when they should be, and booted by real
// firmware in QEMU (OVMF through EFI/BOOT/BOOTX64.EFI; SeaBIOS through MBR -> PBR -> syslinux).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "nlohmann/json.hpp"
#include "tests/pe/pe_test_util.h"
#include "tests/support/boot_payloads.h"
#include "tests/support/cli_json.h"
#include "tests/support/qemu_boot.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;
using testing::ReadWholeFile;
using testing::TempDir;

testing::CommandResult Cli(std::vector<std::string> args) {
  return testing::RunMediaforge(std::move(args));
}

// A small tree with nested directories, a long name and an empty file.
fs::path MakeTree(const TempDir& dir) {
  fs::path src = dir / "src";
  fs::create_directories(src / "EFI" / "BOOT");
  fs::create_directories(src / "sources" / "deep" / "er");
  testing::WritePatternFile(src / "sources" / "install-image-part.bin", 3'000'001, 1);
  testing::WritePatternFile(src / "sources" / "deep" / "er" / "A Long File Name.txt", 4096, 2);
  testing::WriteWholeFile(src / "empty.txt", "");
  testing::WriteWholeFile(src / "EFI" / "BOOT" / "placeholder", "x");
  return src;
}

void ExpectTreeMatches(const fs::path& src, const std::string& image_at_offset) {
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    std::string rel = fs::relative(e.path(), src).string();
    TempDir out;
    auto r = testing::Run({"mcopy", "-n", "-i", image_at_offset, "::" + rel, (out / "f").string()});
    ASSERT_EQ(r.exit_code, 0) << rel << ": " << r.output;
    EXPECT_TRUE(ReadWholeFile(e.path()) == ReadWholeFile(out / "f")) << rel;
  }
}

TEST(UsbImage, MbrStickPassesOutsideJudges) {
  MF_REQUIRE_TOOL("sfdisk");
  MF_REQUIRE_TOOL("mcopy");
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  fs::path src = MakeTree(dir);
  std::string img = (dir / "stick.img").string();
  auto r = Cli({"usb", src.string(), img, "--label", "DEPLOY", "--size", "96M", "--verify",
                "--date", "1700000000", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = testing::LastJson(r.output);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["partition"]["offset"], 1 << 20);

  auto sf = testing::Run({"sfdisk", "-d", img});
  EXPECT_NE(sf.output.find("start=        2048"), std::string::npos) << sf.output;
  EXPECT_NE(sf.output.find("type=c, bootable"), std::string::npos) << sf.output;

  // The partition alone, for fsck.fat and blkid.
  std::string part = (dir / "part.img").string();
  ASSERT_EQ(
      testing::Run({"dd", "if=" + img, "of=" + part, "bs=1M", "skip=1", "status=none"}).exit_code,
      0);
  auto fsck = testing::Run({"fsck.fat", "-n", "-v", part});
  EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
  auto blkid = testing::Run({"blkid", "-p", part});
  EXPECT_NE(blkid.output.find("TYPE=\"vfat\""), std::string::npos) << blkid.output;
  EXPECT_NE(blkid.output.find("LABEL=\"DEPLOY\""), std::string::npos) << blkid.output;
  EXPECT_NE(blkid.output.find("VERSION=\"FAT32\""), std::string::npos) << blkid.output;
  ExpectTreeMatches(src, img + "@@1M");

  // Reproducible: same --date, same bytes.
  std::string again = (dir / "again.img").string();
  ASSERT_EQ(Cli({"usb", src.string(), again, "--label", "DEPLOY", "--size", "96M", "--date",
                 "1700000000"})
                .exit_code,
            0);
  EXPECT_TRUE(ReadWholeFile(img) == ReadWholeFile(again));
}

TEST(UsbImage, GptStickPassesSgdisk) {
  MF_REQUIRE_TOOL("sgdisk");
  TempDir dir;
  fs::path src = MakeTree(dir);
  std::string img = (dir / "stick.img").string();
  auto r = Cli({"usb", src.string(), img, "--scheme", "gpt", "--size", "80M", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto v = testing::Run({"sgdisk", "-v", img});
  EXPECT_NE(v.output.find("No problems found"), std::string::npos) << v.output;
  auto i = testing::Run({"sgdisk", "-i", "1", img});
  EXPECT_NE(i.output.find("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"), std::string::npos) << i.output;
  ExpectTreeMatches(src, img + "@@1M");
}

// Writes a stick onto a loop device attached with partition scanning; old content carries an
// ISO9660 signature in the gap before the partition, which must be gone afterwards.
struct LoopStick {
  TempDir dir;
  std::optional<testing::LoopDevice> loop;
  testing::CommandResult result;
  std::string why;
};

void MakeLoopStick(LoopStick& s) {
  fs::path src = MakeTree(s.dir);
  { std::ofstream f(s.dir / "disk"); }
  fs::resize_file(s.dir / "disk", 128 << 20);
  testing::RunShell("printf '\\001CD001' | dd of='" + (s.dir / "disk").string() +
                    "' bs=1 seek=32768 conv=notrunc status=none");
  auto attached = testing::LoopDevice::Attach(s.dir / "disk", true, true, &s.why);
  if (!attached) return;
  s.loop.emplace(std::move(*attached));
  s.result = Cli({"usb", src.string(), s.loop->path(), "--label", "STICK", "--yes", "--force",
                  "--verify", "--json"});
}

TEST(UsbDevice, LoopDeviceStickPassesJudgesAtThePartitionOffset) {
  MF_REQUIRE_TOOL("blkid");
  LoopStick s;
  MakeLoopStick(s);
  if (!s.loop) GTEST_SKIP() << s.why;
  ASSERT_EQ(s.result.exit_code, 0) << s.result.output;
  auto j = testing::LastJson(s.result.output);
  EXPECT_EQ(j["verified"], true);
  EXPECT_TRUE(j["reread_error"].is_null()) << j.dump();
  auto blkid = testing::Run({"blkid", "-p", "-O", "1048576", s.loop->path()});
  EXPECT_NE(blkid.output.find("TYPE=\"vfat\""), std::string::npos) << blkid.output;
  EXPECT_NE(blkid.output.find("LABEL=\"STICK\""), std::string::npos) << blkid.output;
  auto whole = testing::Run({"blkid", "-p", s.loop->path()});
  EXPECT_EQ(whole.output.find("iso9660"), std::string::npos) << "stale signature: " << whole.output;
  EXPECT_NE(whole.output.find("PTTYPE=\"dos\""), std::string::npos) << whole.output;
  auto sf = testing::Run({"sfdisk", "-d", s.loop->path()});
  EXPECT_NE(sf.output.find("type=c, bootable"), std::string::npos) << sf.output;
  std::string part = (s.dir / "part.img").string();
  ASSERT_EQ(
      testing::Run({"dd", "if=" + s.loop->path(), "of=" + part, "bs=1M", "skip=1", "status=none"})
          .exit_code,
      0);
  auto fsck = testing::Run({"fsck.fat", "-n", part});
  EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
}

TEST(UsbDevice, PartitionNodeHoldsACleanVolume) {
  LoopStick s;
  MakeLoopStick(s);
  if (!s.loop) GTEST_SKIP() << s.why;
  ASSERT_EQ(s.result.exit_code, 0) << s.result.output;
  // Without udev the kernel may know the partition while /dev has no node: make one from
  // sysfs in the scratch directory. If the kernel skipped the scan, partx asks for it.
  std::string p1 = s.loop->path() + "p1";
  const std::string sys = "/sys/class/block/" + fs::path(p1).filename().string() + "/dev";
  for (int i = 0; i < 20 && !fs::exists(p1) && !fs::exists(sys); ++i) usleep(100000);
  if (!fs::exists(p1) && !fs::exists(sys) && testing::HaveTool("partx")) {
    testing::Run({"partx", "-a", s.loop->path()});
  }
  if (!fs::exists(p1)) {
    std::ifstream in(sys);
    unsigned maj = 0, min = 0;
    char colon = 0;
    if (!(in >> maj >> colon >> min)) {
      GTEST_SKIP() << "this kernel creates no partitions for loop devices here (neither its "
                      "re-read nor partx found one)";
    }
    p1 = (s.dir / "loop-p1").string();
    ASSERT_EQ(::mknod(p1.c_str(), S_IFBLK | 0600, makedev(maj, min)), 0) << std::strerror(errno);
  }
  auto blkid = testing::Run({"blkid", "-p", p1});
  EXPECT_NE(blkid.output.find("TYPE=\"vfat\""), std::string::npos) << blkid.output;
  auto fsck = testing::Run({"fsck.fat", "-n", p1});
  EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
}

TEST(UsbBadInput, NothingWrittenOnPreflightFailure) {
  TempDir dir;
  fs::path src = MakeTree(dir);
  // A 4 GiB file (sparse) and a second one: both must be listed.
  { std::ofstream f(src / "sources" / "install.wim"); }
  fs::resize_file(src / "sources" / "install.wim", 4ull << 30);
  { std::ofstream f(src / "big2.iso"); }
  fs::resize_file(src / "big2.iso", 5ull << 30);
  testing::WriteWholeFile(dir / "stick.img", "old stick");
  auto r = Cli({"usb", src.string(), (dir / "stick.img").string(), "--size", "64M"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("install.wim"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("big2.iso"), std::string::npos) << r.output;
  EXPECT_EQ(ReadWholeFile(dir / "stick.img"),
            std::vector<char>({'o', 'l', 'd', ' ', 's', 't', 'i', 'c', 'k'}));

  fs::remove(src / "sources" / "install.wim");
  fs::remove(src / "big2.iso");
  testing::WritePatternFile(src / "too-big.bin", 60 << 20, 3);
  auto small = Cli({"usb", src.string(), (dir / "stick.img").string(), "--size", "40M"});
  EXPECT_EQ(small.exit_code, 2) << small.output;
  EXPECT_EQ(ReadWholeFile(dir / "stick.img").size(), 9u);

  auto missing = Cli({"usb", (dir / "nope").string(), (dir / "stick.img").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("nope"), std::string::npos);
}

TEST(UsbBadInput, NonRemovableDeviceRefusedAndUnchanged) {
  TempDir dir;
  fs::path src = MakeTree(dir);
  testing::WritePatternFile(dir / "disk", 64 << 20, 4);
  auto before = ReadWholeFile(dir / "disk");
  std::string why;
  auto loop = testing::LoopDevice::Attach(dir / "disk", false, false, &why);
  if (!loop) GTEST_SKIP() << why;
  auto r = Cli({"usb", src.string(), loop->path(), "--yes"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not removable"), std::string::npos) << r.output;
  EXPECT_TRUE(ReadWholeFile(dir / "disk") == before);
}

TEST(UsbBoot, OvmfBootsBootx64FromTheStick) {
  MF_REQUIRE_BOOT(testing::Firmware::kUefi);
  MF_REQUIRE_GRUB("x86_64-efi");
  TempDir dir;
  fs::path src = dir / "src";
  std::string why;
  ASSERT_TRUE(testing::BuildGrubEfiDefaultLoader(
      src, testing::MarkerGrubConfig("MEDIAFORGE-USB-UEFI-OK"), &why))
      << why;
  for (std::string scheme : {"mbr", "gpt"}) {
    std::string img = (dir / ("stick-" + scheme + ".img")).string();
    auto r = Cli({"usb", src.string(), img, "--scheme", scheme, "--size", "64M"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    SCOPED_TRACE(scheme);
    testing::ExpectBootsToMarker(
        img, "MEDIAFORGE-USB-UEFI-OK",
        {.firmware = testing::Firmware::kUefi, .media = testing::Media::kDisk});
  }
}

TEST(UsbBoot, SeabiosBootsThroughMbrAndSyslinuxPbr) {
  MF_REQUIRE_BOOT(testing::Firmware::kBios);
  MF_REQUIRE_TOOL("syslinux");
  const std::string mbr_bin = "/usr/lib/syslinux/mbr/mbr.bin";
  if (!fs::exists(mbr_bin)) GTEST_SKIP() << "needs syslinux-common's mbr.bin";
  TempDir dir;
  fs::path src = dir / "src";
  fs::create_directories(src / "syslinux");
  testing::WriteWholeFile(src / "syslinux" / "syslinux.cfg",
                          "SERIAL 0 115200\nSAY MEDIAFORGE-USB-BIOS-OK\nPROMPT 0\nTIMEOUT 1\n"
                          "DEFAULT none\n");
  std::string img = (dir / "stick.img").string();
  auto r = Cli({"usb", src.string(), img, "--mbr-code", mbr_bin, "--size", "64M"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // syslinux's own installer, run on the FAT32 mediaforge made, is the judge of the volume.
  auto inst = testing::Run(
      {"syslinux", "--install", "--offset", "1048576", "--directory", "/syslinux", img});
  ASSERT_EQ(inst.exit_code, 0) << inst.output;
  testing::ExpectBootsToMarker(
      img, "MEDIAFORGE-USB-BIOS-OK",
      {.firmware = testing::Firmware::kBios, .media = testing::Media::kDisk});
}

TEST(UsbBoot, DefaultMbrCodeSaysItIsNotBiosBootable) {
  MF_REQUIRE_BOOT(testing::Firmware::kBios);
  TempDir dir;
  fs::path src = MakeTree(dir);
  std::string img = (dir / "stick.img").string();
  ASSERT_EQ(Cli({"usb", src.string(), img, "--size", "64M"}).exit_code, 0);
  // SeaBIOS runs the MBR code; its serial console mirrors the INT 10h text we print.
  auto boot = testing::BootAndWaitForMarker(img, "mediaforge for UEFI boot only",
                                            {.firmware = testing::Firmware::kBios,
                                             .media = testing::Media::kDisk,
                                             .timeout_seconds = 60});
  EXPECT_TRUE(boot.marker_seen) << boot.command << "\n" << boot.console;
  // The table libfdisk made is still there after the code went in.
  auto sf = testing::Run({"sfdisk", "-d", img});
  EXPECT_NE(sf.output.find("type=c, bootable"), std::string::npos) << sf.output;
}

}  // namespace
}  // namespace mediaforge

namespace mediaforge {
namespace {

TEST(UsbVerify, CleanStickPassesAndDamageIsListedWithOffsets) {
  TempDir dir;
  fs::path src = MakeTree(dir);
  // An EFI System partition without \EFI\BOOT\BOOTX64.EFI is a problem for verify's Secure Boot
  // audit: give it an (unsigned) x64 loader, which passes without --secure-boot.
  testing::WriteBytes(src / "EFI" / "BOOT" / "BOOTX64.EFI", testing::MinimalPeImage(0x8664));
  std::string img = (dir / "stick.img").string();
  ASSERT_EQ(Cli({"usb", src.string(), img, "--scheme", "gpt", "--size", "80M"}).exit_code, 0);
  auto ok = Cli({"verify", img, "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  auto j = testing::LastJson(ok.output);
  EXPECT_EQ(j["ok"], true);
  EXPECT_NE(j["found"].dump().find("FAT volume at byte 1048576"), std::string::npos) << j.dump();

  // Break the second FAT copy and the primary GPT header: both named, exit 1.
  testing::FlipByte(img, 512 + 60);  // the disk GUID: breaks the primary header's CRC32
  auto bad = Cli({"verify", img, "--json"});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  auto jb = testing::LastJson(bad.output);
  EXPECT_EQ(jb["ok"], false);
  std::string problems = jb["problems"].dump();
  EXPECT_NE(problems.find("primary GPT header"), std::string::npos) << problems;
  EXPECT_NE(problems.find("CRC32 does not match"), std::string::npos) << problems;
}

}  // namespace
}  // namespace mediaforge

namespace mediaforge {
namespace {

// An ISO made by xorriso (not by mediaforge) whose UEFI loader lives only inside its El Torito
// EFI image (a FAT image made by mkfs.fat + mcopy), as grub-mkrescue and many distributions do.
TEST(UsbFromIso, XorrisoIsoWithLoaderOnlyInEfiImageBootsOnOvmf) {
  MF_REQUIRE_TOOL("xorriso");
  MF_REQUIRE_TOOL("mkfs.fat");
  MF_REQUIRE_TOOL("mcopy");
  MF_REQUIRE_BOOT(testing::Firmware::kUefi);
  MF_REQUIRE_GRUB("x86_64-efi");
  TempDir dir;
  fs::create_directories(dir / "tree" / "boot");
  fs::create_directories(dir / "tree" / "live");
  std::string why;
  ASSERT_TRUE(testing::BuildGrubEfiDefaultLoader(
      dir / "efi", testing::MarkerGrubConfig("MEDIAFORGE-ISO2USB-OK"), &why))
      << why;
  testing::WritePatternFile(dir / "tree" / "live" / "filesystem.squashfs", 5'000'000, 9);
  testing::WriteWholeFile(dir / "tree" / "README.diskdefines", "#define DISKNAME Test\n");
  std::string efi_img = (dir / "tree" / "boot" / "efi.img").string();
  ASSERT_EQ(testing::RunShell("truncate -s 8M '" + efi_img + "' && mkfs.fat -F 12 '" + efi_img +
                              "' >/dev/null && mcopy -s -i '" + efi_img + "' '" +
                              (dir / "efi" / "EFI").string() + "' ::/")
                .exit_code,
            0);
  std::string iso = (dir / "x.iso").string();
  auto x = testing::Run({"xorriso", "-as", "mkisofs", "-R", "-J", "-V", "XORRISO_LIVE", "-e",
                         "boot/efi.img", "-no-emul-boot", "-o", iso, (dir / "tree").string()});
  ASSERT_EQ(x.exit_code, 0) << x.output;

  std::string img = (dir / "stick.img").string();
  auto r = Cli({"usb", iso, img, "--verify", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = testing::LastJson(r.output);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["from_efi_image"][0], "EFI/BOOT/BOOTX64.EFI") << j.dump();
  EXPECT_EQ(j["iso_volume_id"], "XORRISO_LIVE");
  // The ISO's own files are there byte for byte, under their Rock Ridge names.
  TempDir out;
  ASSERT_EQ(testing::Run({"mcopy", "-n", "-i", img + "@@1M", "::live/filesystem.squashfs",
                          (out / "f").string()})
                .exit_code,
            0);
  EXPECT_TRUE(ReadWholeFile(out / "f") == ReadWholeFile(dir / "tree/live/filesystem.squashfs"));
  testing::ExpectBootsToMarker(
      img, "MEDIAFORGE-ISO2USB-OK",
      {.firmware = testing::Firmware::kUefi, .media = testing::Media::kDisk});
}

TEST(UsbFromIso, NotAnIsoIsAClearErrorAndTargetUnchanged) {
  TempDir dir;
  testing::WritePatternFile(dir / "fake.iso", 100'000, 1);
  testing::WriteWholeFile(dir / "stick.img", "keep me");
  auto r = Cli({"usb", (dir / "fake.iso").string(), (dir / "stick.img").string(), "--size", "64M"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("not an ISO9660 image"), std::string::npos) << r.output;
  EXPECT_EQ(ReadWholeFile(dir / "stick.img").size(), 7u);
}

TEST(UsbFromIso, FilesOf4GiBInTheIsoAreListedBeforeAnyWrite) {
  TempDir dir;
  fs::create_directories(dir / "tree" / "sources");
  { std::ofstream f(dir / "tree" / "sources" / "install.wim"); }
  fs::resize_file(dir / "tree" / "sources" / "install.wim", (4ull << 30) + 4096);
  testing::WriteWholeFile(dir / "tree" / "setup.exe", "MZ");
  std::string iso = (dir / "win.iso").string();
  // mediaforge's own ISO writer (multi-extent, level 3) builds this 4 GiB fixture ~8x faster
  // than xorriso; the xorriso-made ISO is exercised by the EFI-image test above.
  auto x = Cli({"iso", (dir / "tree").string(), "-o", iso});
  ASSERT_EQ(x.exit_code, 0) << x.output;
  fs::remove(dir / "tree" / "sources" / "install.wim");
  testing::WriteWholeFile(dir / "stick.img", "keep me");
  auto r = Cli({"usb", iso, (dir / "stick.img").string(), "--size", "64M"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("sources/install.wim"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4294971392"), std::string::npos) << r.output;
  EXPECT_EQ(ReadWholeFile(dir / "stick.img").size(), 7u);
}

}  // namespace
}  // namespace mediaforge
