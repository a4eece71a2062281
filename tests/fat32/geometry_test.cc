// Geometry decisions: type by cluster count clear of the boundaries, default cluster sizes,
// FAT sizes that hold every cluster, 1 MiB alignment counted from the device start.
#include "fs/fat32/geometry.h"

#include <gtest/gtest.h>

namespace mediaforge::fat32 {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kGiB = 1 << 30;

void ExpectConsistent(const Geometry& g) {
  const uint64_t meta =
      uint64_t{g.reserved_sectors} + g.num_fats * uint64_t{g.fat_sectors} + g.root_dir_sectors;
  EXPECT_EQ(g.cluster_count, (g.total_sectors - meta) / g.sectors_per_cluster);
  EXPECT_GE(uint64_t{g.fat_sectors} * g.bytes_per_sector * 8 / g.bits_per_entry(),
            uint64_t{g.cluster_count} + 2);
  EXPECT_EQ(TypeForClusterCount(g.cluster_count), g.type);
  EXPECT_LE(g.cluster_bytes(), kMaxClusterBytes);
}

TEST(Geometry, AutoTypeBySize) {
  struct Case {
    uint64_t bytes;
    FatType type;
  } cases[] = {{1440 * 1024, FatType::kFat12}, {2 * kMiB, FatType::kFat12},
               {8 * kMiB, FatType::kFat16},    {32 * kMiB, FatType::kFat16},
               {40 * kMiB, FatType::kFat32},   {512 * kMiB, FatType::kFat32},
               {64 * kGiB, FatType::kFat32}};
  for (const auto& c : cases) {
    auto g = ComputeGeometry({.volume_bytes = c.bytes});
    ASSERT_TRUE(g.ok()) << c.bytes << ": " << g.status();
    EXPECT_EQ(g->type, c.type) << c.bytes;
    ExpectConsistent(*g);
  }
}

TEST(Geometry, StaysClearOfTheBoundaries) {
  for (uint64_t sectors = 100; sectors < 300000; sectors += 97) {
    auto g = ComputeGeometry({.volume_bytes = sectors * 512});
    if (!g.ok()) continue;
    const uint64_t n = g->cluster_count;
    EXPECT_FALSE(n > kFat12MaxClusters - kBoundaryMargin && n < kFat16MinClusters + kBoundaryMargin)
        << sectors;
    EXPECT_FALSE(n > kFat16MaxClusters - kBoundaryMargin && n < kFat32MinClusters + kBoundaryMargin)
        << sectors;
    ExpectConsistent(*g);
  }
}

TEST(Geometry, MicrosoftDefaultClusterSizes) {
  EXPECT_EQ(ComputeGeometry({.volume_bytes = 4 * kGiB})->cluster_bytes(), 4096u);
  EXPECT_EQ(ComputeGeometry({.volume_bytes = 12 * kGiB})->cluster_bytes(), 8192u);
  EXPECT_EQ(ComputeGeometry({.volume_bytes = 24 * kGiB})->cluster_bytes(), 16384u);
  EXPECT_EQ(ComputeGeometry({.volume_bytes = 256 * kGiB})->cluster_bytes(), 32768u);
  EXPECT_EQ(ComputeGeometry({.volume_bytes = 2048 * kGiB})->cluster_bytes(), 32768u);
}

TEST(Geometry, DataRegionAlignedToOneMiBOfTheDevice) {
  for (uint64_t offset : {uint64_t{0}, kMiB, uint64_t{32256} /* 63 sectors */, 7 * kMiB + 4096}) {
    auto g = ComputeGeometry({.volume_bytes = 8 * kGiB, .device_offset = offset});
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_EQ((offset + g->data_offset()) % kMiB, 0u) << offset;
    EXPECT_EQ(g->hidden_sectors, offset / 512);
    EXPECT_GE(g->reserved_sectors, 32u);
    ExpectConsistent(*g);
  }
}

TEST(Geometry, LargestVolumes) {
  // 2 TiB with 512-byte sectors uses 2^32 - 1 sectors; 16 TiB needs 4096-byte sectors.
  auto two = ComputeGeometry({.volume_bytes = 2048 * kGiB});
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->total_sectors, UINT32_MAX);
  ExpectConsistent(*two);
  EXPECT_FALSE(ComputeGeometry({.volume_bytes = 4096 * kGiB}).ok());
  auto sixteen = ComputeGeometry({.volume_bytes = 16384 * kGiB - 4096, .bytes_per_sector = 4096});
  ASSERT_TRUE(sixteen.ok()) << sixteen.status();
  EXPECT_EQ(sixteen->type, FatType::kFat32);
  EXPECT_LE(sixteen->cluster_count, kFat32MaxClusters);
  ExpectConsistent(*sixteen);
}

TEST(Geometry, ExplicitTypeAndClusterSizeAreValidated) {
  auto f16 = ComputeGeometry({.volume_bytes = 1 * kGiB, .type = FatType::kFat16});
  ASSERT_TRUE(f16.ok()) << f16.status();
  EXPECT_EQ(f16->type, FatType::kFat16);
  EXPECT_EQ(f16->cluster_bytes(), 16384u);  // 1 GiB / 16 KiB minus metadata < 65509
  auto small32 = ComputeGeometry({.volume_bytes = 16 * kMiB, .type = FatType::kFat32});
  ASSERT_FALSE(small32.ok());
  EXPECT_NE(small32.status().message().find("FAT32 needs"), std::string::npos);
  EXPECT_FALSE(ComputeGeometry({.volume_bytes = kGiB, .cluster_bytes = 3000}).ok());
  EXPECT_FALSE(ComputeGeometry({.volume_bytes = kGiB, .cluster_bytes = 128 * 1024}).ok());
  auto c512 = ComputeGeometry({.volume_bytes = 100 * kMiB, .cluster_bytes = 512});
  ASSERT_TRUE(c512.ok());
  EXPECT_EQ(c512->type, FatType::kFat32);
  auto fat12 = ComputeGeometry({.volume_bytes = 100 * kMiB, .type = FatType::kFat12});
  ASSERT_TRUE(fat12.ok()) << fat12.status();
  EXPECT_EQ(fat12->cluster_bytes(), 32768u);
}

TEST(Geometry, SmallVolumesAlignToTheClusterOnly) {
  auto g = ComputeGeometry({.volume_bytes = 2880 * 512});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->type, FatType::kFat12);
  EXPECT_LT(g->data_offset(), 64u * 1024);
}

}  // namespace
}  // namespace mediaforge::fat32
