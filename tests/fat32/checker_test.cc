// The reader/checker: clean volumes check clean; each kind of damage is reported with the
// path or structure and the byte offset. Also InstallPbr and SizeForTree.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "fs/fat32/fat32.h"
#include "fs/fat32/on_disk.h"
#include "tests/fat32/fat_test_util.h"

namespace mediaforge::fat32 {
namespace {

using namespace testutil;

void Poke(const std::string& path, uint64_t offset, const void* data, size_t n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}

template <typename T>
T Peek(const std::string& path, uint64_t offset) {
  T v{};
  std::ifstream f(path, std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  f.read(reinterpret_cast<char*>(&v), sizeof v);
  return v;
}

class CheckerTest : public ::testing::TestWithParam<FatType> {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "src/sub");
    WriteWholeFile(dir_ / "src/a file with a long name.txt", std::string(10000, 'a'));
    WriteWholeFile(dir_ / "src/sub/b.bin", std::string(5000, 'b'));
    WriteWholeFile(dir_ / "src/sub/c.bin", std::string(3000, 'c'));
    img_ = (dir_ / "v.img").string();
    FormatOptions o;
    o.volume_bytes = GetParam() == FatType::kFat32 ? 64 << 20 : 16 << 20;
    o.type = GetParam();
    o.label = "CHECK";
    o.date = 1700000000;
    WriteVolume(o, (dir_ / "src").string(), img_);
    auto t = OpenImage(img_);
    auto v = OpenFatVolume(*t, 0);
    ASSERT_TRUE(v.ok());
    g_ = (*v)->geometry();
    auto a = (*v)->Stat("/a file with a long name.txt");
    auto b = (*v)->Stat("/sub/b.bin");
    auto c = (*v)->Stat("/sub/c.bin");
    ASSERT_TRUE(a.ok() && b.ok() && c.ok());
    a_ = *a;
    b_ = *b;
    c_ = *c;
    ASSERT_EQ(CheckerProblems(img_), "");
  }
  uint64_t FatEntry(uint32_t fat, uint32_t cluster) const {
    return g_.fat_offset(fat) + uint64_t{cluster} * g_.bits_per_entry() / 8;
  }
  void SetEntry(uint32_t fat, uint32_t cluster, uint32_t value) {
    if (g_.type == FatType::kFat32) {
      Poke(img_, FatEntry(fat, cluster), &value, 4);
    } else {
      ASSERT_EQ(g_.type, FatType::kFat16);
      uint16_t v = static_cast<uint16_t>(value);
      Poke(img_, FatEntry(fat, cluster), &v, 2);
    }
  }
  void SetEntryBoth(uint32_t cluster, uint32_t value) {
    for (uint32_t i = 0; i < g_.num_fats; ++i) SetEntry(i, cluster, value);
  }
  TempDir dir_;
  std::string img_;
  Geometry g_;
  FatFileInfo a_, b_, c_;
};

TEST_P(CheckerTest, FatCopiesDiffer) {
  SetEntry(1, b_.first_cluster, 0);
  const std::string p = CheckerProblems(img_);
  EXPECT_NE(p.find(absl::StrCat("FAT 2 @", FatEntry(1, b_.first_cluster))), std::string::npos) << p;
}

TEST_P(CheckerTest, ChainShorterThanTheSize) {
  SetEntryBoth(a_.first_cluster, g_.end_of_chain());
  const std::string p = CheckerProblems(img_);
  EXPECT_NE(
      p.find(absl::StrCat("/a file with a long name.txt @", a_.entry_offset, ": size 10000 needs")),
      std::string::npos)
      << p;
  EXPECT_NE(p.find("lost"), std::string::npos) << p;
}

TEST_P(CheckerTest, CrossLinkedFiles) {
  uint16_t lo = static_cast<uint16_t>(b_.first_cluster);
  Poke(img_, c_.entry_offset + 26, &lo, 2);  // c now starts where b does
  const std::string p = CheckerProblems(img_);
  EXPECT_NE(p.find("cross-linked"), std::string::npos) << p;
  EXPECT_NE(p.find("/sub/c.bin"), std::string::npos) << p;
}

TEST_P(CheckerTest, ChainLoop) {
  // a's chain: first .. first+2 (10000 bytes, 4096-byte clusters or less): point the last back.
  const uint32_t n = static_cast<uint32_t>((10000 + g_.cluster_bytes() - 1) / g_.cluster_bytes());
  if (n < 2) GTEST_SKIP() << "cluster too large for a loop";
  SetEntryBoth(a_.first_cluster + n - 1, a_.first_cluster);
  const std::string p = CheckerProblems(img_);
  EXPECT_NE(p.find("loops back"), std::string::npos) << p;
}

TEST_P(CheckerTest, BrokenLongNameChecksum) {
  // The LFN entry just before a's short entry: its checksum byte is at offset 13.
  const uint64_t lfn = a_.entry_offset - 32;
  uint8_t sum = Peek<uint8_t>(img_, lfn + 13) ^ 0x5A;
  Poke(img_, lfn + 13, &sum, 1);
  const std::string p = CheckerProblems(img_);
  EXPECT_NE(p.find(absl::StrCat("/ @", lfn)), std::string::npos) << p;
  EXPECT_NE(p.find("checksum"), std::string::npos) << p;
}

TEST_P(CheckerTest, LostCluster) {
  const uint32_t free_cluster = g_.max_cluster() - 3;
  SetEntryBoth(free_cluster, g_.end_of_chain());
  const std::string p = CheckerProblems(img_);
  EXPECT_NE(p.find(absl::StrCat("cluster ", free_cluster, " is allocated but belongs to no file")),
            std::string::npos)
      << p;
}

TEST_P(CheckerTest, BootSectorBackupAndFsInfo) {
  if (GetParam() != FatType::kFat32) GTEST_SKIP() << "FAT32 only";
  uint32_t free_count = 12345;
  Poke(img_, 512 + 488, &free_count, 4);
  char oem[8] = {'C', 'H', 'A', 'N', 'G', 'E', 'D', '!'};
  Poke(img_, 6 * 512 + 3, oem, 8);
  const std::string p = CheckerProblems(img_);
  EXPECT_NE(p.find(absl::StrCat("FSInfo @", 512 + 488, ": free count says 12345")),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(absl::StrCat("backup boot sector @", 6 * 512 + 3)), std::string::npos) << p;
}

TEST_P(CheckerTest, NotAFatVolume) {
  std::vector<char> zeros(512, 0);
  Poke(img_, 0, zeros.data(), zeros.size());
  const std::string p = CheckerProblems(img_);
  EXPECT_NE(p.find("boot sector @0: no FAT volume"), std::string::npos) << p;
}

INSTANTIATE_TEST_SUITE_P(Types, CheckerTest, ::testing::Values(FatType::kFat16, FatType::kFat32),
                         [](const auto& info) { return FatTypeName(info.param); });

TEST(InstallPbr, KeepsTheBpbAndMirrorsToTheBackup) {
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  const std::string img = (dir / "v.img").string();
  FormatOptions o{.volume_bytes = 64 << 20, .label = "PBR"};
  auto v = PlanFatVolume(o, std::nullopt);
  ASSERT_TRUE(v.ok());
  std::vector<std::byte> before(v->reserved_area->begin(), v->reserved_area->begin() + 512);
  std::vector<std::byte> pbr(512, std::byte{0xCC});
  pbr[0] = std::byte{0xEB};  // a real PBR starts with its jump over the BPB
  pbr[1] = std::byte{0x58};
  pbr[2] = std::byte{0x90};
  pbr[510] = std::byte{0x55};
  pbr[511] = std::byte{0xAA};
  ASSERT_TRUE(InstallPbr(*v, pbr).ok());
  const auto& area = *v->reserved_area;
  EXPECT_EQ(area[3], before[3]);
  EXPECT_TRUE(std::equal(before.begin() + 3, before.begin() + 90, area.begin() + 3));
  EXPECT_EQ(area[90], std::byte{0xCC});
  EXPECT_TRUE(std::equal(area.begin(), area.begin() + 512, area.begin() + 6 * 512));
  std::vector<std::byte> unsigned_pbr(512);
  EXPECT_FALSE(InstallPbr(*v, unsigned_pbr).ok());

  // On a volume already on a target.
  WriteVolume(o, std::nullopt, img);
  {
    auto t = device::OpenTarget(img, {.write = true, .direct = false});
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE(InstallPbr(**t, 0, pbr).ok());
  }
  EXPECT_EQ(Peek<uint8_t>(img, 90), 0xCC);
  EXPECT_EQ(Peek<uint8_t>(img, 6 * 512 + 100), 0xCC);
  EXPECT_EQ(FsckProblems(img), "");
  EXPECT_EQ(CheckerProblems(img), "");
}

TEST(SizeForTree, SmallestVolumeThatHoldsTheTree) {
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  fs::create_directories(dir / "src/EFI/BOOT");
  testing::WritePatternFile(dir / "src/EFI/BOOT/BOOTX64.EFI", 2'500'000, 4);
  for (FatType type : {FatType::kAuto, FatType::kFat12, FatType::kFat16}) {
    FormatOptions o{.type = type, .date = 1};
    auto size = SizeForTree(o, (dir / "src").string());
    ASSERT_TRUE(size.ok()) << size.status();
    EXPECT_EQ(*size % 4096, 0u);
    o.volume_bytes = *size;
    EXPECT_TRUE(PlanFatVolume(o, (dir / "src").string()).ok());
    o.volume_bytes = *size - 4096;
    EXPECT_FALSE(PlanFatVolume(o, (dir / "src").string()).ok()) << FatTypeName(type);
    o.volume_bytes = *size;
    const std::string img = (dir / "efi.img").string();
    WriteVolume(o, (dir / "src").string(), img);
    EXPECT_EQ(FsckProblems(img), "");
    EXPECT_LT(*size, 2'700'000u);
  }
}

TEST(PlanFatVolume, PartitionOffsetSetsHiddenSectorsAndAlignment) {
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  const std::string img = (dir / "disk.img").string();
  FormatOptions o{.volume_bytes = 300 << 20, .device_offset = 1 << 20};
  auto v = PlanFatVolume(o, std::nullopt);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->geometry.hidden_sectors, 2048u);
  EXPECT_EQ(v->layout.total_size(), (301u << 20));
  EXPECT_EQ((o.device_offset + v->geometry.data_offset()) % (1 << 20), 0u);
  EXPECT_EQ(v->layout.extents().front().target_offset, 1u << 20);
  WriteVolume(o, std::nullopt, img);
  EXPECT_EQ(CheckerProblems(img, 1 << 20), "");
  auto t = OpenImage(img);
  auto vol = OpenFatVolume(*t, 1 << 20);
  ASSERT_TRUE(vol.ok());
  EXPECT_EQ((*vol)->geometry().hidden_sectors, 2048u);
}

}  // namespace
}  // namespace mediaforge::fat32

namespace mediaforge::fat32 {
namespace {

// Random damage to the metadata never crashes or hangs the reader or the checker, and the
// checker notices it.
TEST(CheckerRobustness, RandomMetadataDamage) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "src/a/b");
  for (int i = 0; i < 40; ++i) {
    testing::WriteWholeFile(dir / "src/a" / absl::StrCat("file with long name ", i, ".txt"),
                            std::string(i * 300, 'x'));
  }
  testing::WriteWholeFile(dir / "src/a/b/deep.txt", "deep");
  std::mt19937_64 rng(1234);
  for (FatType type : {FatType::kFat12, FatType::kFat16, FatType::kFat32}) {
    const std::string clean = (dir / "clean.img").string();
    FormatOptions o{
        .volume_bytes = type == FatType::kFat32 ? 40u << 20 : 4u << 20, .type = type, .date = 1};
    testutil::WriteVolume(o, (dir / "src").string(), clean);
    auto t = testutil::OpenImage(clean);
    auto v = OpenFatVolume(*t, 0);
    ASSERT_TRUE(v.ok());
    const Geometry g = (*v)->geometry();
    // Damage lands in the reserved area, the FATs, the root directory and the first clusters.
    const uint64_t span = g.cluster_offset(2) + 64 * uint64_t{g.cluster_bytes()};
    auto original = testing::ReadWholeFile(clean);
    for (int trial = 0; trial < 60; ++trial) {
      auto damaged = original;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k) {
        damaged[rng() % span] = static_cast<char>(rng());
      }
      const std::string img = (dir / "damaged.img").string();
      testing::WriteWholeFile(img, std::string_view(damaged.data(), damaged.size()));
      auto target = testutil::OpenImage(img);
      auto problems = CheckFatVolume(*target, 0);  // must return
      auto volume = OpenFatVolume(*target, 0);
      if (volume.ok()) (void)(*volume)->List();  // must return
      if (problems.ok() && damaged != original) {
        // Not every byte matters (boot code, unused FAT tail): only require no crash here.
        SUCCEED();
      }
    }
  }
}

}  // namespace
}  // namespace mediaforge::fat32
