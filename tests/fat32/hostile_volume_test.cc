// Hostile FAT volumes found by fat_volume_fuzzer (docs/RELIABILITY.md): directories whose
// entries lead back to the root, to themselves or into another directory's clusters. The reader
// must fail with a clear error naming the directory instead of listing without end, and the
// checker must return. fuzz/regressions/fat_volume_fuzzer/ holds the fuzzer's own input (a
// timeout after 14 s under ASan), replayed by fuzz_replay_fat_volume_fuzzer.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "fs/fat32/fat32.h"
#include "tests/fat32/fat_test_util.h"
#include "tests/support/test_support.h"

namespace mediaforge::fat32 {
namespace {

namespace fs = std::filesystem;

class HostileFatVolume : public ::testing::TestWithParam<FatType> {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "src/a/b");
    testing::WriteWholeFile(dir_ / "src/a/b/leaf.txt", "leaf\n");
    testing::WriteWholeFile(dir_ / "src/top.txt", "top\n");
    FormatOptions o{.volume_bytes = GetParam() == FatType::kFat32 ? 40u << 20 : 4u << 20,
                    .type = GetParam(),
                    .date = 1};
    testutil::WriteVolume(o, (dir_ / "src").string(), image());
  }

  std::string image() const { return (dir_ / "vol.img").string(); }

  FatFileInfo StatIn(const std::string& path) {
    auto target = testutil::OpenImage(image());
    auto volume = OpenFatVolume(*target, 0);
    EXPECT_TRUE(volume.ok()) << volume.status();
    auto info = (*volume)->Stat(path);
    EXPECT_TRUE(info.ok()) << info.status();
    return *info;
  }

  // Points the directory entry of `entry` at `cluster` (DIR_FstClusHI at byte 20, DIR_FstClusLO
  // at byte 26 of the 32-byte entry, fatgen103 "FAT Directory Structure").
  void Repoint(const FatFileInfo& entry, uint32_t cluster) {
    auto bytes = testing::ReadWholeFile(image());
    const uint16_t high = static_cast<uint16_t>(cluster >> 16);
    const uint16_t low = static_cast<uint16_t>(cluster & 0xFFFF);
    std::memcpy(bytes.data() + entry.entry_offset + 20, &high, 2);
    std::memcpy(bytes.data() + entry.entry_offset + 26, &low, 2);
    testing::WriteWholeFile(image(), std::string_view(bytes.data(), bytes.size()));
  }

  void ExpectListRefused(const std::string& what) {
    auto target = testutil::OpenImage(image());
    auto problems = CheckFatVolume(*target, 0);  // must return
    ASSERT_TRUE(problems.ok()) << problems.status();
    EXPECT_FALSE(problems->empty());
    auto volume = OpenFatVolume(*target, 0);
    ASSERT_TRUE(volume.ok()) << volume.status();
    auto list = (*volume)->List();
    ASSERT_FALSE(list.ok());
    EXPECT_NE(list.status().message().find(what), std::string::npos) << list.status();
  }

  testing::TempDir dir_;
};

TEST_P(HostileFatVolume, SubdirectoryPointingAtItsParentIsALoop) {
  const FatFileInfo a = StatIn("/a");
  Repoint(StatIn("/a/b"), a.first_cluster);
  ExpectListRefused("another directory already holds");
}

TEST_P(HostileFatVolume, SubdirectoryPointingAtTheRoot) {
  Repoint(StatIn("/a"), 0);
  ExpectListRefused("points back at the root");
}

TEST_P(HostileFatVolume, FuzzerInputListsInBoundedTime) {
  const fs::path input = fs::path(MEDIAFORGE_SOURCE_DIR) / "fuzz/regressions/fat_volume_fuzzer";
  for (const auto& file : fs::directory_iterator(input)) {
    auto target = testutil::OpenImage(file.path().string());
    (void)CheckFatVolume(*target, 0);
    auto volume = OpenFatVolume(*target, 0);
    if (volume.ok()) {
      EXPECT_FALSE((*volume)->List().ok()) << file.path();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, HostileFatVolume,
                         ::testing::Values(FatType::kFat12, FatType::kFat16, FatType::kFat32));

}  // namespace
}  // namespace mediaforge::fat32
