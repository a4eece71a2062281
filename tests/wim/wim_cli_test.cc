// `mediaforge usb|format --split-wim`: sticks from a tree and from an ISO holding a non-solid
// and a solid WIM, read back with mtools and judged by fsck.fat and wimlib-imagex apply --ref
// over the parts; the 4 GiB pre-flight names WIMs and the flag; staging is left empty. A small
// part size stands in for 3800 MiB here (the same path; WimSplitLong runs the > 4 GiB case).
#include <gtest/gtest.h>

#include <filesystem>

#include "nlohmann/json.hpp"
#include "tests/support/cli_json.h"
#include "tests/support/test_support.h"
#include "tests/wim/wim_test_util.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr uint64_t kMiB = 1 << 20;

class WimCli : public ::testing::Test {
 protected:
  void SetUp() override {
    MF_REQUIRE_TOOL("wimlib-imagex");
    MF_REQUIRE_TOOL("mcopy");
    data_ = dir_ / "data";
    testing::MakeWimData(data_, 12, 1 * kMiB, 11);
    tree_ = dir_ / "tree";
    fs::create_directories(tree_ / "sources");
    fs::create_directories(dir_ / "staging");
    ASSERT_EQ(testing::CaptureWim(data_, tree_ / "sources" / "boot.wim", false).exit_code, 0);
    ASSERT_EQ(testing::CaptureWim(data_, tree_ / "sources" / "install.esd", true).exit_code, 0);
    testing::WriteWholeFile(tree_ / "setup.exe", "MZ not really");
  }

  // `usb SOURCE IMAGE --split-wim=3M` staging its parts in dir_/staging, plus `extra`.
  testing::CommandResult UsbSplitWim(const fs::path& source, const fs::path& image,
                                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"usb",          source.string(),
                                     image.string(), "--split-wim=3M",
                                     "--staging",    (dir_ / "staging").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::RunMediaforge(args);
  }

  // The same with --json, expected to succeed: its JSON object (a discarded value if it failed).
  nlohmann::json UsbSplitWimJson(const fs::path& source, const fs::path& image) {
    auto r = UsbSplitWim(source, image, {"--json"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto j = testing::LastJson(r.output);
    EXPECT_TRUE(j.is_object()) << r.output;
    return r.exit_code == 0 ? j : nlohmann::json(nlohmann::json::value_t::discarded);
  }

  // Copies the stick's files out (mtools) into `out`; checks the volume with fsck.fat.
  void ReadStick(const fs::path& image, const fs::path& out) {
    fs::create_directories(out);
    const std::string img = "'" + image.string() + "@@1048576'";
    auto r = testing::RunShell("mcopy -s -n -i " + img + " ::/ '" + out.string() + "' 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    if (testing::HaveTool("fsck.fat")) {
      auto part = dir_ / "part.img";
      ASSERT_EQ(testing::RunShell("dd if='" + image.string() + "' of='" + part.string() +
                                  "' bs=1M skip=1 status=none")
                    .exit_code,
                0);
      auto fsck = testing::Run({"fsck.fat", "-n", part.string()});
      EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
      fs::remove(part);
    }
  }

  // The stick holds the parts instead of the WIMs, every file at most `part_bytes`, and both
  // sets apply back to the captured files byte for byte.
  void ExpectSplitStick(const fs::path& stick, uint64_t part_bytes) {
    for (const auto& e : fs::recursive_directory_iterator(stick)) {
      if (!e.is_regular_file()) continue;
      EXPECT_LE(e.file_size(), part_bytes) << e.path();
      const std::string ext = e.path().extension().string();
      EXPECT_TRUE(ext != ".wim" && ext != ".esd") << e.path() << " was not replaced";
    }
    ASSERT_TRUE(fs::exists(stick / "sources" / "install2.swm"));
    ASSERT_TRUE(fs::exists(stick / "sources" / "boot2.swm"));
    EXPECT_EQ(testing::ReadWholeFile(stick / "setup.exe").size(), 13u);
    EXPECT_EQ(testing::ApplyAndCompare(stick / "sources" / "install.swm", data_, dir_ / "a1"), "");
    EXPECT_EQ(testing::ApplyAndCompare(stick / "sources" / "boot.swm", data_, dir_ / "a2"), "");
  }

  TempDir dir_;
  fs::path data_, tree_;
};

TEST_F(WimCli, UsbFromTreeSplitsBothWimsAndCleansStaging) {
  const auto image = dir_ / "stick.img";
  auto j = UsbSplitWimJson(tree_, image);
  ASSERT_TRUE(j.is_object());
  ASSERT_EQ(j["split_wims"].size(), 2u) << j.dump();
  EXPECT_EQ(j["split_wims"][1]["exported"], true) << j.dump();  // install.esd is solid
  EXPECT_EQ(j["split_wims"][0]["exported"], false) << j.dump();
  EXPECT_TRUE(fs::is_empty(dir_ / "staging")) << "parts left in the staging directory";
  ReadStick(image, dir_ / "stick");
  ExpectSplitStick(dir_ / "stick", 3 * kMiB);
}

TEST_F(WimCli, FormatFromTreeSplits) {
  const auto image = dir_ / "vol.img";
  auto r = testing::RunMediaforge({"format", image.string(), "--from", tree_.string(),
                                   "--split-wim=3M", "--staging", (dir_ / "staging").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::is_empty(dir_ / "staging"));
  const auto out = dir_ / "vol";
  fs::create_directories(out);
  auto copy =
      testing::RunShell("mcopy -s -n -i '" + image.string() + "' ::/ '" + out.string() + "' 2>&1");
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  ExpectSplitStick(out, 3 * kMiB);
}

// A Windows-like ISO made by `mediaforge iso`: the WIMs are read out of the ISO's extents, and
// the UEFI loader that lives only in the El Torito EFI image lands in \EFI\BOOT on the stick.
TEST_F(WimCli, UsbFromIsoSplitsAndKeepsTheEfiLoader) {
  MF_REQUIRE_TOOL("mkfs.fat");
  const fs::path efi = dir_ / "efi" / "EFI" / "BOOT";
  fs::create_directories(efi);
  testing::WritePatternFile(efi / "BOOTX64.EFI", 70000, 5);
  fs::create_directories(tree_ / "efi" / "microsoft" / "boot");
  const std::string efisys = (tree_ / "efi" / "microsoft" / "boot" / "efisys.bin").string();
  ASSERT_EQ(testing::RunShell("truncate -s 2M '" + efisys + "' && mkfs.fat -F 12 '" + efisys +
                              "' >/dev/null && mcopy -s -i '" + efisys + "' '" +
                              (dir_ / "efi" / "EFI").string() + "' ::/")
                .exit_code,
            0);
  const auto iso = dir_ / "windows.iso";
  auto mk = testing::RunMediaforge(
      {"iso", tree_.string(), "-o", iso.string(), "--efi-boot", "efi/microsoft/boot/efisys.bin"});
  ASSERT_EQ(mk.exit_code, 0) << mk.output;

  const auto image = dir_ / "stick.img";
  auto j = UsbSplitWimJson(iso, image);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["split_wims"].size(), 2u) << j.dump();
  EXPECT_EQ(j["from_efi_image"][0], "EFI/BOOT/BOOTX64.EFI") << j.dump();
  EXPECT_TRUE(fs::is_empty(dir_ / "staging"));
  ReadStick(image, dir_ / "stick");
  // FAT ignores case: the image's EFI/BOOT merged into the ISO's "efi" directory.
  EXPECT_EQ(testing::ReadWholeFile(dir_ / "stick" / "efi" / "BOOT" / "BOOTX64.EFI"),
            testing::ReadWholeFile(efi / "BOOTX64.EFI"));
  EXPECT_TRUE(fs::exists(dir_ / "stick" / "efi" / "microsoft" / "boot" / "efisys.bin"));
  ExpectSplitStick(dir_ / "stick", 3 * kMiB);
}

TEST_F(WimCli, WithoutTheFlagTheFourGiBPreflightNamesTheWimAndTheFlag) {
  // Sparse: a 5 GiB install.wim costs no space; the pre-flight refuses it by size alone.
  const auto big = dir_ / "big";
  fs::create_directories(big / "sources");
  testing::WriteWholeFile(big / "sources" / "install.wim", "");
  fs::resize_file(big / "sources" / "install.wim", 5ull << 30);
  const auto image = dir_ / "stick.img";
  auto r = testing::RunMediaforge({"usb", big.string(), image.string()});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("install.wim"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("can be split into .swm parts"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("use --split-wim"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(image));
}

TEST_F(WimCli, OtherFilesOfFourGiBAreStillRefusedWithTheFlag) {
  testing::WriteWholeFile(tree_ / "movie.mkv", "");
  fs::resize_file(tree_ / "movie.mkv", 5ull << 30);
  const auto image = dir_ / "stick.img";
  auto r = UsbSplitWim(tree_, image);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("movie.mkv"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("use --split-wim"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(image));
  EXPECT_TRUE(fs::is_empty(dir_ / "staging"));
}

TEST_F(WimCli, AWimHoldingAFileLargerThanAPartIsRefusedNamingIt) {
  testing::WritePatternFile(data_ / "huge.cab", 4 * kMiB, 3);
  ASSERT_EQ(testing::CaptureWim(data_, tree_ / "sources" / "install.wim", false).exit_code, 0);
  const auto image = dir_ / "stick.img";
  auto r = UsbSplitWim(tree_, image, {"--json"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("huge.cab"), std::string::npos) << r.output;
  auto j = testing::LastJson(r.output);
  EXPECT_EQ(j["ok"], false) << r.output;
  EXPECT_FALSE(fs::exists(image));
  EXPECT_TRUE(fs::is_empty(dir_ / "staging"));
}

}  // namespace
}  // namespace mediaforge
