// Our reader and checker on volumes made by others (mkfs.fat + mcopy): what verify and the
// ISO-to-USB path meet in the field. Clean volumes check clean; every file comes back.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/fat32/fat_test_util.h"

namespace mediaforge::fat32 {
namespace {

using namespace testutil;

class ForeignVolume : public ::testing::TestWithParam<std::string> {};

TEST_P(ForeignVolume, MkfsFatAndMcopyVolumeReadsBack) {
  MF_REQUIRE_TOOL("mkfs.fat");
  MF_REQUIRE_TOOL("mcopy");
  TempDir dir;
  const fs::path src = dir / "src";
  fs::create_directories(src / "Some Directory/nested");
  WriteWholeFile(src / "README.TXT", "upper");
  WriteWholeFile(src / "a long file name.text", "long");
  WriteWholeFile(src / "caf\xC3\xA9.txt", "accent");
  WriteWholeFile(src / "Some Directory/nested/empty", "");
  testing::WritePatternFile(src / "Some Directory/big.bin", 300000, 7);
  for (int i = 0; i < 60; ++i) {
    WriteWholeFile(src / "Some Directory" / absl::StrCat("entry ", i, ".dat"), std::to_string(i));
  }
  const std::string img = (dir / "foreign.img").string();
  const std::string size_kib = GetParam() == "32" ? "65536" : GetParam() == "16" ? "32768" : "8192";
  auto mk = testing::Run({"mkfs.fat", "-F", GetParam(), "-C", img, size_kib});
  ASSERT_EQ(mk.exit_code, 0) << mk.output;
  // mtools converts names through the locale: UTF-8, or it stores bytes, not UTF-16.
  auto cp = testing::RunShell(
      absl::StrCat("LC_ALL=C.UTF-8 mcopy -s -i ", img, " '", src.string(), "'/* ::/"));
  ASSERT_EQ(cp.exit_code, 0) << cp.output;
  EXPECT_EQ(CheckerProblems(img), "");
  auto t = OpenImage(img);
  auto v = OpenFatVolume(*t, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(FatTypeName((*v)->geometry().type), "FAT" + GetParam());
  const fs::path out = dir / "out";
  ASSERT_TRUE((*v)->ExtractAll(out.string()).ok());
  auto diff = testing::Run({"diff", "-r", src.string(), out.string()});
  EXPECT_EQ(diff.exit_code, 0) << diff.output;
}

INSTANTIATE_TEST_SUITE_P(Types, ForeignVolume, ::testing::Values("12", "16", "32"),
                         [](const auto& info) { return "Fat" + info.param; });

}  // namespace
}  // namespace mediaforge::fat32
