// `mediaforge verify`'s Secure Boot audit on real media made by mediaforge itself (USB sticks
// with MBR and GPT, a bare FAT volume, a hybrid ISO with an El Torito EFI image) holding
// Debian's signed shim and GRUB, an unsigned grub-mkstandalone image, an image signed at test
// time with sbsign and the same image with one byte flipped. The Windows boot manager CA
// classification is tested on issuer strings only: no Windows binary is available here.
#include "fs/pe/secure_boot_audit.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "nlohmann/json.hpp"
#include "tests/pe/pe_test_util.h"
#include "tests/support/boot_payloads.h"
#include "tests/support/test_support.h"

namespace mediaforge::pe {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

#define REQUIRE_FILE(path) \
  if (!fs::exists(path)) GTEST_SKIP() << "needs " << path << " (Debian package)"

TEST(WindowsBootCa, IssuerStringsTellThe2011CaBeingRevokedFromThe2023One) {
  EXPECT_EQ(ClassifyWindowsBootCa("Microsoft Windows Production PCA 2011"),
            WindowsBootCa::kProductionPca2011);
  EXPECT_EQ(ClassifyWindowsBootCa("Windows UEFI CA 2023"), WindowsBootCa::kUefiCa2023);
  // Microsoft's third-party CAs sign shim and friends, not Windows boot managers.
  EXPECT_EQ(ClassifyWindowsBootCa("Microsoft Corporation UEFI CA 2011"), WindowsBootCa::kNone);
  EXPECT_EQ(ClassifyWindowsBootCa("Microsoft UEFI CA 2023"), WindowsBootCa::kNone);
  EXPECT_EQ(ClassifyWindowsBootCa(""), WindowsBootCa::kNone);
  EXPECT_NE(DescribeIssuer("Microsoft Windows Production PCA 2011").find("KB5025885"),
            std::string::npos);
  EXPECT_NE(DescribeIssuer("Microsoft Windows Production PCA 2011").find("revoked"),
            std::string::npos);
  EXPECT_NE(DescribeIssuer("Windows UEFI CA 2023").find("Windows UEFI CA 2023"), std::string::npos);
  EXPECT_NE(DescribeIssuer("Debian Secure Boot CA").find("not under a Microsoft CA"),
            std::string::npos);
  EXPECT_EQ(DescribeIssuer(""), "");
}

nlohmann::json Verify(const std::string& image, std::vector<std::string> flags, int* exit_code) {
  std::vector<std::string> args = {"verify", image, "--json"};
  args.insert(args.end(), flags.begin(), flags.end());
  auto r = testing::RunMediaforge(args);
  *exit_code = r.exit_code;
  auto j = nlohmann::json::parse(testing::LastJsonLine(r.output), nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.output;
  return j;
}

const nlohmann::json* Finding(const nlohmann::json& j, const std::string& path_suffix) {
  for (const auto& f : j["secure_boot"]) {
    const std::string p = f["path"];
    if (p.size() >= path_suffix.size() &&
        p.compare(p.size() - path_suffix.size(), path_suffix.size(), path_suffix) == 0) {
      return &f;
    }
  }
  return nullptr;
}

// A stick image made by `mediaforge usb` from `tree`.
std::string MakeStick(const TempDir& dir, const fs::path& tree, const std::string& name,
                      const std::string& scheme = "mbr") {
  const std::string img = (dir / name).string();
  auto r = testing::RunMediaforge({"usb", tree.string(), img, "--size", "64M", "--scheme", scheme});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return img;
}

fs::path ShimTree(const TempDir& dir) {
  fs::path tree = dir / "shim-tree";
  fs::create_directories(tree / "EFI" / "BOOT");
  fs::create_directories(tree / "EFI" / "debian");
  fs::copy_file(testing::kShimSigned, tree / "EFI" / "BOOT" / "BOOTX64.EFI");
  fs::copy_file(testing::kGrubSigned, tree / "EFI" / "BOOT" / "grubx64.efi");
  testing::WriteWholeFile(tree / "EFI" / "debian" / "grub.cfg", "echo hello\n");
  return tree;
}

TEST(SecureBootAudit, ShimAndDebianGrubOnAStickAreSignedAndIntact) {
  REQUIRE_FILE(testing::kShimSigned);
  REQUIRE_FILE(testing::kGrubSigned);
  TempDir dir;
  for (const std::string scheme : {"mbr", "gpt"}) {
    const std::string img = MakeStick(dir, ShimTree(dir), "shim-" + scheme + ".img", scheme);
    fs::remove_all(dir / "shim-tree");
    int rc = -1;
    auto j = Verify(img, {"--secure-boot"}, &rc);
    EXPECT_EQ(rc, 0) << j.dump(1);
    const auto* shim = Finding(j, ":/EFI/BOOT/BOOTX64.EFI");
    ASSERT_NE(shim, nullptr) << j.dump(1);
    EXPECT_EQ((*shim)["arch"], "x64");
    EXPECT_EQ((*shim)["signed"], true);
    EXPECT_EQ((*shim)["digest_ok"], true);
    EXPECT_EQ((*shim)["signer"], "Microsoft Windows UEFI Driver Publisher");
    EXPECT_EQ((*shim)["issuer"], "Microsoft Corporation UEFI CA 2011");
    EXPECT_EQ((*shim)["default_loader"], true);
    EXPECT_EQ((*shim)["refused_under_secure_boot"], false);
    const auto* grub = Finding(j, ":/EFI/BOOT/grubx64.efi");
    ASSERT_NE(grub, nullptr) << j.dump(1);
    EXPECT_EQ((*grub)["signer"], "Debian Secure Boot Signer 2022 - grub2");
    EXPECT_EQ((*grub)["issuer"], "Debian Secure Boot CA");
    EXPECT_EQ((*grub)["digest_ok"], true);
    EXPECT_EQ((*grub)["default_loader"], false);
  }
}

TEST(SecureBootAudit, UnsignedLoaderFailsOnlyWithSecureBoot) {
  MF_REQUIRE_GRUB("x86_64-efi");
  TempDir dir;
  fs::path tree = dir / "tree";
  std::string why;
  ASSERT_TRUE(testing::BuildGrubEfiDefaultLoader(tree, testing::MarkerGrubConfig("x"), &why))
      << why;
  const std::string img = MakeStick(dir, tree, "unsigned.img");
  int rc = -1;
  auto j = Verify(img, {}, &rc);
  EXPECT_EQ(rc, 0) << j.dump(1);
  const auto* f = Finding(j, "partition 1:/EFI/BOOT/BOOTX64.EFI");
  ASSERT_NE(f, nullptr) << j.dump(1);
  EXPECT_EQ((*f)["signed"], false);
  EXPECT_TRUE((*f)["digest_ok"].is_null());
  EXPECT_EQ((*f)["refused_under_secure_boot"], true);

  auto strict = Verify(img, {"--secure-boot"}, &rc);
  EXPECT_EQ(rc, 1) << strict.dump(1);
  EXPECT_EQ(strict["ok"], false);
  const std::string problems = strict["problems"].dump();
  EXPECT_NE(problems.find("unsigned"), std::string::npos) << problems;
  EXPECT_NE(problems.find("Secure Boot enabled will refuse"), std::string::npos) << problems;
}

TEST(SecureBootAudit, TestSignedLoaderPassesAndTheTamperedOneFails) {
  REQUIRE_FILE(testing::kShimUnsigned);
  TempDir dir;
  fs::path tree = dir / "tree";
  fs::create_directories(tree / "EFI" / "BOOT");
  const std::string loader = (tree / "EFI" / "BOOT" / "BOOTX64.EFI").string();
  std::string why;
  if (!testing::SignWithTestKey(dir.path(), testing::kShimUnsigned, loader, &why)) {
    GTEST_SKIP() << why;
  }
  const std::string good = MakeStick(dir, tree, "signed.img");
  auto bytes = testing::ReadBytes(loader);
  testing::FlipByteInFirstSection(bytes);
  testing::WriteBytes(loader, bytes);
  const std::string bad = MakeStick(dir, tree, "tampered.img");

  int rc = -1;
  auto j = Verify(good, {"--secure-boot"}, &rc);
  EXPECT_EQ(rc, 0) << j.dump(1);
  const auto* f = Finding(j, ":/EFI/BOOT/BOOTX64.EFI");
  ASSERT_NE(f, nullptr) << j.dump(1);
  EXPECT_EQ((*f)["signed"], true);
  EXPECT_EQ((*f)["digest_ok"], true);
  EXPECT_EQ((*f)["signer"], testing::kTestSignerName);
  EXPECT_EQ((*f)["issuer"], testing::kTestCaName);
  EXPECT_NE((*f)["notes"].dump().find("not under a Microsoft CA"), std::string::npos);

  j = Verify(bad, {"--secure-boot"}, &rc);
  EXPECT_EQ(rc, 1) << j.dump(1);
  f = Finding(j, ":/EFI/BOOT/BOOTX64.EFI");
  ASSERT_NE(f, nullptr) << j.dump(1);
  EXPECT_EQ((*f)["signed"], true);
  EXPECT_EQ((*f)["digest_ok"], false);
  EXPECT_NE(j["problems"].dump().find("modified after it was signed"), std::string::npos)
      << j.dump(1);
}

TEST(SecureBootAudit, MissingDefaultLoaderAndWrongArchitectureAreProblems) {
  TempDir dir;
  fs::path tree = dir / "tree";
  fs::create_directories(tree / "EFI" / "debian");
  testing::WriteBytes(tree / "EFI" / "debian" / "grubx64.efi", testing::MinimalPeImage(0x8664));
  int rc = -1;
  auto j = Verify(MakeStick(dir, tree, "noloader.img"), {}, &rc);
  EXPECT_EQ(rc, 1) << j.dump(1);
  EXPECT_NE(j["problems"].dump().find("no removable-media default loader"), std::string::npos)
      << j.dump(1);
  const auto* f = Finding(j, ":/EFI/debian/grubx64.efi");
  ASSERT_NE(f, nullptr) << j.dump(1);
  EXPECT_EQ((*f)["arch"], "x64");

  // An arm64 image where x64 firmware looks.
  fs::create_directories(tree / "EFI" / "BOOT");
  testing::WriteBytes(tree / "EFI" / "BOOT" / "BOOTX64.EFI", testing::MinimalPeImage(0xAA64));
  j = Verify(MakeStick(dir, tree, "arm.img"), {}, &rc);
  EXPECT_EQ(rc, 1) << j.dump(1);
  EXPECT_NE(j["problems"].dump().find("is an arm64 image"), std::string::npos) << j.dump(1);
}

TEST(SecureBootAudit, BareFatVolumeAndHybridIsoWithElToritoImage) {
  REQUIRE_FILE(testing::kShimSigned);
  REQUIRE_FILE(testing::kGrubSigned);
  TempDir dir;
  fs::path tree = ShimTree(dir);
  const std::string fat = (dir / "fat.img").string();
  auto r = testing::RunMediaforge(
      {"format", fat, "--from", tree.string(), "--size", "48M", "--fat", "32"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  int rc = -1;
  auto j = Verify(fat, {"--secure-boot"}, &rc);
  EXPECT_EQ(rc, 0) << j.dump(1);
  ASSERT_NE(Finding(j, "FAT volume:/EFI/BOOT/BOOTX64.EFI"), nullptr) << j.dump(1);

  const std::string iso = (dir / "x.iso").string();
  r = testing::RunMediaforge(
      {"iso", tree.string(), "-o", iso, "--efi-dir", "EFI", "--hybrid", "--date", "1700000000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = Verify(iso, {"--secure-boot"}, &rc);
  EXPECT_EQ(rc, 0) << j.dump(1);
  // The El Torito image, which the hybrid GPT's EFI partition also points at: listed once.
  int el_torito = 0;
  for (const auto& f : j["secure_boot"]) {
    const std::string p = f["path"];
    if (p.find("El Torito UEFI image") != std::string::npos &&
        p.ends_with(":/EFI/BOOT/BOOTX64.EFI")) {
      ++el_torito;
      EXPECT_EQ(f["default_loader"], true);
      EXPECT_EQ(f["digest_ok"], true);
    }
  }
  EXPECT_EQ(el_torito, 1) << j.dump(1);
  const auto* in_tree = Finding(j, "ISO9660:/EFI/BOOT/BOOTX64.EFI");
  ASSERT_NE(in_tree, nullptr) << j.dump(1);
  EXPECT_EQ((*in_tree)["signer"], "Microsoft Windows UEFI Driver Publisher");
  EXPECT_EQ((*in_tree)["default_loader"], false);
}

}  // namespace
}  // namespace mediaforge::pe
