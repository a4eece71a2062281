// `mediaforge usb WINDOWS.iso STICK --split-wim` (and `format VOL --from WINDOWS.iso`) on
// Windows-like ISOs made at test time: a UDF bridge image whose ISO9660 tree holds only a README
// (as Microsoft's), and a UDF-only image. The stick is FAT32 (fsck.fat), holds every file of the
// UDF tree byte for byte (hashes), and install.wim (captured by wimlib-imagex) as .swm parts that
// apply back to the captured files.
#include <gtest/gtest.h>

#include <filesystem>

#include "nlohmann/json.hpp"
#include "tests/support/test_support.h"
#include "tests/udf/udf_test_util.h"
#include "tests/wim/wim_test_util.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kPart = 3 << 20;

class UdfWindowsIso : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    MF_REQUIRE_TOOL("genisoimage");
    MF_REQUIRE_TOOL("wimlib-imagex");
    MF_REQUIRE_TOOL("mcopy");
    data_ = dir_ / "data";
    testing::MakeWimData(data_, 8, 1 << 20, 21);
    src_ = dir_ / "src";
    testing::MakeUdfSourceTree(src_);
    fs::remove(src_ / "sources" / "install.wim");
    ASSERT_EQ(testing::CaptureWim(data_, src_ / "sources" / "install.wim", false).exit_code, 0);
    ASSERT_GT(fs::file_size(src_ / "sources" / "install.wim"), kPart);
  }

  testing::TempDir dir_;
  fs::path data_, src_;
};

TEST_P(UdfWindowsIso, UsbSplitsTheWimAndCopiesTheUdfTree) {
  const bool udf_only = GetParam();
  const fs::path iso = dir_ / "windows.iso";
  auto mk = testing::MakeUdfBridgeIso(src_, iso, /*iso9660_readme_only=*/true);
  ASSERT_EQ(mk.exit_code, 0) << mk.output;
  if (udf_only) {
    ASSERT_EQ(testing::StripIso9660(iso).exit_code, 0);
  }
  fs::create_directories(dir_ / "staging");
  const fs::path image = dir_ / "stick.img";
  auto r = testing::RunMediaforge({"usb", iso.string(), image.string(), "--split-wim=3M",
                                   "--staging", (dir_ / "staging").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(testing::LastJsonLine(r.output), nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.output;
  ASSERT_EQ(j["split_wims"].size(), 1u) << j.dump();
  EXPECT_TRUE(fs::is_empty(dir_ / "staging"));

  const fs::path stick = dir_ / "stick";
  fs::create_directories(stick);
  auto copy = testing::RunShell("mcopy -s -n -i '" + image.string() + "@@1048576' ::/ '" +
                                stick.string() + "' 2>&1");
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  if (testing::HaveTool("fsck.fat")) {
    auto fsck = testing::RunShell("dd if='" + image.string() + "' bs=1M skip=1 status=none of='" +
                                  (dir_ / "part.img").string() + "' && fsck.fat -n '" +
                                  (dir_ / "part.img").string() + "' 2>&1");
    EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
  }
  // Every file but the WIM, byte for byte; the WIM as parts that apply back.
  ASSERT_TRUE(fs::exists(stick / "sources" / "install2.swm"));
  for (const auto& e : fs::recursive_directory_iterator(stick)) {
    if (e.is_regular_file()) {
      EXPECT_LE(e.file_size(), kPart) << e.path();
    }
  }
  EXPECT_EQ(testing::ApplyAndCompare(stick / "sources" / "install.swm", data_, dir_ / "applied"),
            "");
  fs::remove(src_ / "sources" / "install.wim");
  for (const auto& e : fs::directory_iterator(stick / "sources")) fs::remove(e.path());
  EXPECT_EQ(testing::TreeHashes(stick), testing::TreeHashes(src_));
  EXPECT_TRUE(fs::exists(stick / "efi" / "boot" / "bootx64.efi"));
  EXPECT_TRUE(fs::exists(stick / testing::kUdfDeepFile));
}

TEST_P(UdfWindowsIso, FormatFromTheIsoSplitsTheWim) {
  const fs::path iso = dir_ / "windows.iso";
  auto mk = testing::MakeUdfBridgeIso(src_, iso, /*iso9660_readme_only=*/true);
  ASSERT_EQ(mk.exit_code, 0) << mk.output;
  if (GetParam()) {
    ASSERT_EQ(testing::StripIso9660(iso).exit_code, 0);
  }
  const fs::path image = dir_ / "vol.img";
  auto r = testing::RunMediaforge({"format", image.string(), "--from", iso.string(),
                                   "--split-wim=3M", "--staging", dir_.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const fs::path out = dir_ / "vol";
  fs::create_directories(out);
  auto copy =
      testing::RunShell("mcopy -s -n -i '" + image.string() + "' ::/ '" + out.string() + "' 2>&1");
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  EXPECT_EQ(testing::ApplyAndCompare(out / "sources" / "install.swm", data_, dir_ / "applied"), "");
  EXPECT_EQ(testing::ReadWholeFile(out / "bootmgr"), testing::ReadWholeFile(src_ / "bootmgr"));
  EXPECT_EQ(testing::ReadWholeFile(out / testing::kUdfUnicodeName),
            testing::ReadWholeFile(src_ / testing::kUdfUnicodeName));
}

INSTANTIATE_TEST_SUITE_P(Images, UdfWindowsIso, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "UdfOnly" : "UdfBridge"; });

}  // namespace
}  // namespace mediaforge
