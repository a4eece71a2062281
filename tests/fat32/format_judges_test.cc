// `mediaforge format` judged by outside tools: fsck.fat finds nothing to fix on many sizes,
// cluster sizes and sector sizes (just above each type boundary, 4096-byte sectors, a 2 TiB
// sparse image), blkid reports TYPE/LABEL/UUID, and our own checker agrees.
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "fs/fat32/fat32.h"
#include "nlohmann/json.hpp"
#include "tests/fat32/fat_test_util.h"

namespace mediaforge::fat32 {
namespace {

using namespace testutil;

struct SizeCase {
  std::string name;
  std::vector<std::string> args;  // after TARGET
  std::string expect_type;        // "FAT12" / "FAT16" / "FAT32" (blkid VERSION), "" = any
};

class FsckSizes : public ::testing::TestWithParam<SizeCase> {};

TEST_P(FsckSizes, FsckFindsNothingToFix) {
  MF_REQUIRE_TOOL("fsck.fat");
  MF_REQUIRE_TOOL("blkid");
  TempDir dir;
  const std::string img = (dir / "v.img").string();
  std::vector<std::string> args = {img, "--label", "MF TEST", "--json"};
  args.insert(args.end(), GetParam().args.begin(), GetParam().args.end());
  auto r = Format(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << r.output;
  EXPECT_EQ(FsckProblems(img), "");
  EXPECT_EQ(CheckerProblems(img), "");
  EXPECT_EQ(BlkidValue(img, "TYPE"), "vfat");
  EXPECT_EQ(BlkidValue(img, "LABEL"), "MF TEST");
  EXPECT_EQ(BlkidValue(img, "UUID"), json["volume_id"].get<std::string>());
  if (!GetParam().expect_type.empty()) {
    EXPECT_EQ(json["type"], GetParam().expect_type);
    EXPECT_EQ(BlkidValue(img, "VERSION"), GetParam().expect_type);
  }
}

// The smallest size (in sectors of `bps`) whose auto geometry is `type`, searched upwards from
// `from` sectors: just above a type boundary.
uint64_t FirstSizeOfType(FatType type, uint64_t from, uint32_t bps) {
  for (uint64_t s = from;; ++s) {
    auto g = ComputeGeometry({.volume_bytes = s * bps, .bytes_per_sector = bps});
    if (g.ok() && g->type == type) return s * bps;
  }
}

std::vector<SizeCase> SizeCases() {
  std::vector<SizeCase> cases = {
      {"Floppy1440K", {"--size", "1440K"}, "FAT12"},
      {"Fat12_4M", {"--size", "4M", "--fat", "12"}, "FAT12"},
      {"Fat16_16M", {"--size", "16M"}, "FAT16"},
      {"Fat16_200M_forced", {"--size", "200M", "--fat", "16"}, "FAT16"},
      {"Fat32_64M", {"--size", "64M"}, "FAT32"},
      {"Fat32_300M", {"--size", "300M"}, "FAT32"},
      {"Fat32_1G_c512", {"--size", "1G", "--cluster-size", "512"}, "FAT32"},
      {"Fat32_1G_c1K", {"--size", "1G", "--cluster-size", "1K"}, "FAT32"},
      {"Fat32_1G_c2K", {"--size", "1G", "--cluster-size", "2K"}, "FAT32"},
      {"Fat32_1G_c8K", {"--size", "1G", "--cluster-size", "8K"}, "FAT32"},
      {"Fat32_4G_c16K", {"--size", "4G", "--cluster-size", "16K"}, "FAT32"},
      {"Fat32_8G_c32K", {"--size", "8G", "--cluster-size", "32K"}, "FAT32"},
      {"Fat32_33G_default", {"--size", "33G"}, "FAT32"},
      {"Fat32_odd_size", {"--size", "123456789"}, "FAT32"},
      {"Sector4096_1G", {"--size", "1G", "--sector-size", "4096"}, "FAT32"},
      {"Sector4096_64G", {"--size", "64G", "--sector-size", "4096"}, "FAT32"},
      {"Sector4096_Fat16", {"--size", "100M", "--sector-size", "4096", "--fat", "16"}, "FAT16"},
      {"Sparse2T", {"--size", "2T"}, "FAT32"},
  };
  const uint64_t fat16 = FirstSizeOfType(FatType::kFat16, 4000, 512);
  const uint64_t fat32 = FirstSizeOfType(FatType::kFat32, 65000, 512);
  cases.push_back({"JustAboveFat16Boundary", {"--size", std::to_string(fat16)}, "FAT16"});
  cases.push_back({"JustAboveFat32Boundary", {"--size", std::to_string(fat32)}, "FAT32"});
  cases.push_back({"JustBelowFat32Boundary", {"--size", std::to_string(fat32 - 512)}, "FAT16"});
  cases.push_back({"JustBelowFat16Boundary", {"--size", std::to_string(fat16 - 512)}, "FAT12"});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Sizes, FsckSizes, ::testing::ValuesIn(SizeCases()),
                         [](const auto& info) { return info.param.name; });

TEST(Format, TwoTebibyteSparseImageWritesOnlyMetadata) {
  TempDir dir;
  const std::string img = (dir / "big.img").string();
  auto r = Format({img, "--size", "2T"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  struct stat st;
  ASSERT_EQ(::stat(img.c_str(), &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), 2ull << 40);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, 16ull << 20) << "only metadata on disk";
}

TEST(Format, ReproducibleWithDateAndSourceDateEpoch) {
  TempDir dir;
  std::filesystem::create_directories(dir / "src/sub");
  testing::WritePatternFile(dir / "src/sub/data.bin", 100000, 1);
  testing::WriteWholeFile(dir / "src/A long name.txt", "x");
  const std::string a = (dir / "a.img").string(), b = (dir / "b.img").string();
  ASSERT_EQ(Format({a, "--size", "64M", "--from", (dir / "src").string(), "--date", "1700000000"})
                .exit_code,
            0);
  auto r = testing::RunShell(absl::StrCat("SOURCE_DATE_EPOCH=1700000000 ",
                                          ::mediaforge::testing::MediaforgeCli(), " format ", b,
                                          " --size 64M --from ", (dir / "src").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(FileDigest(a), FileDigest(b));
  const std::string c = (dir / "c.img").string();
  ASSERT_EQ(Format({c, "--size", "64M", "--from", (dir / "src").string(), "--date", "1700000002"})
                .exit_code,
            0);
  EXPECT_NE(FileDigest(a), FileDigest(c)) << "the volume id follows the date";
}

TEST(Format, ExistingImageKeepsItsSizeAndIsReplacedWhole) {
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  const std::string img = (dir / "old.img").string();
  testing::WritePatternFile(img, 48 << 20, 9);  // random junk where the FATs will go
  auto r = Format({img});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(std::filesystem::file_size(img), 48u << 20);
  EXPECT_EQ(FsckProblems(img), "");
  EXPECT_EQ(CheckerProblems(img), "");
}

TEST(Format, MissingImageWithoutSizeIsAUsageError) {
  TempDir dir;
  auto r = Format({(dir / "none.img").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--size"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "none.img"));
}

TEST(Format, SizeFromTreeWhenOnlyFromIsGiven) {
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  std::filesystem::create_directories(dir / "src/EFI/BOOT");
  testing::WritePatternFile(dir / "src/EFI/BOOT/BOOTX64.EFI", 700000, 3);
  const std::string img = (dir / "efi.img").string();
  auto r = Format({img, "--from", (dir / "src").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_LT(std::filesystem::file_size(img), 1200000u);
  EXPECT_EQ(FsckProblems(img), "");
  EXPECT_EQ(CheckerProblems(img), "");
}

}  // namespace
}  // namespace mediaforge::fat32

namespace mediaforge::fat32 {
namespace {

TEST(Format, ElevenCharacterLabelHasNoDot) {
  MF_REQUIRE_TOOL("blkid");
  testing::TempDir dir;
  const std::string img = (dir / "l.img").string();
  auto r = testutil::Format({img, "--size", "64M", "--label", "Longlabel11", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"label\":\"LONGLABEL11\""), std::string::npos) << r.output;
  EXPECT_EQ(testutil::BlkidValue(img, "LABEL"), "LONGLABEL11");
  auto t = testutil::OpenImage(img);
  auto v = OpenFatVolume(*t, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)->label(), "LONGLABEL11");
}

}  // namespace
}  // namespace mediaforge::fat32

namespace mediaforge::fat32 {
namespace {

// 4096-byte logical sectors take FAT32 to 16 TiB (ext4 caps a file at 16 TiB - 4 KiB, so the
// image is 1 MiB short of it). fsck.fat 4.2 crashes on volumes this large (its per-cluster
// tables), so blkid and our checker judge it.
TEST(Format, SixteenTebibytesWith4096ByteSectors) {
  MF_REQUIRE_TOOL("blkid");
  testing::TempDir dir;
  const std::string img = (dir / "huge.img").string();
  const uint64_t size = (16ull << 40) - (1 << 20);
  auto r =
      testutil::Format({img, "--size", std::to_string(size), "--sector-size", "4096", "--json"});
  if (r.exit_code != 0 && r.output.find("File too large") != std::string::npos) {
    GTEST_SKIP() << "this file system cannot hold a 16 TiB sparse file";
  }
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"cluster_bytes\":65536"), std::string::npos) << r.output;
  EXPECT_EQ(testutil::BlkidValue(img, "VERSION"), "FAT32");
  EXPECT_EQ(testutil::CheckerProblems(img), "");
}

}  // namespace
}  // namespace mediaforge::fat32
