// Partition tables made by libfdisk into layout bytes, judged by sfdisk and sgdisk, and read
// back by ReadPartitionTable.
#include "device/partition_table.h"

#include <gtest/gtest.h>

#include <fstream>

#include "device/gpt_check.h"
#include "tests/support/test_support.h"

namespace mediaforge::device {
namespace {

using testing::TempDir;

// Writes the table's regions into a sparse image of the disk's size.
std::string WriteImage(const TempDir& dir, const PartitionTable& t, uint64_t disk_bytes) {
  std::string path = (dir / "disk.img").string();
  { std::ofstream f(path); }
  std::filesystem::resize_file(path, disk_bytes);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  for (const auto& r : t.regions) {
    f.seekp(static_cast<std::streamoff>(r.offset));
    f.write(reinterpret_cast<const char*>(r.bytes.data()),
            static_cast<std::streamsize>(r.bytes.size()));
  }
  return path;
}

TEST(PartitionTable, MbrFat32LbaActiveAt1MiB) {
  MF_REQUIRE_TOOL("sfdisk");
  TempDir dir;
  const uint64_t disk = 64ull << 20;
  auto t = BuildPartitionTable({.scheme = PartitionScheme::kMbr, .disk_bytes = disk, .seed = 42});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->partition_offset, 1u << 20);
  EXPECT_EQ(t->partition_bytes, disk - (1 << 20));
  std::string img = WriteImage(dir, *t, disk);
  auto r = testing::Run({"sfdisk", "-d", img});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("label: dos"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("start=        2048"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("type=c, bootable"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("label-id: " + t->disk_id), std::string::npos) << r.output;

  auto info = ReadPartitionTable(img);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->label, "dos");
  ASSERT_EQ(info->partitions.size(), 1u);
  EXPECT_TRUE(info->partitions[0].bootable);
  EXPECT_TRUE(info->problems.empty());
}

TEST(PartitionTable, GptEspWithBackupPassesSgdisk) {
  MF_REQUIRE_TOOL("sgdisk");
  TempDir dir;
  const uint64_t disk = 100ull << 20;
  auto t = BuildPartitionTable({.scheme = PartitionScheme::kGpt, .disk_bytes = disk, .seed = 7});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->regions.size(), 2u);
  std::string img = WriteImage(dir, *t, disk);
  auto v = testing::Run({"sgdisk", "-v", img});
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("No problems found"), std::string::npos) << v.output;
  auto p = testing::Run({"sgdisk", "-i", "1", img});
  EXPECT_NE(p.output.find("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("First sector: 2048"), std::string::npos) << p.output;

  // Same seed, same bytes: reproducible media.
  auto again =
      BuildPartitionTable({.scheme = PartitionScheme::kGpt, .disk_bytes = disk, .seed = 7});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->regions[0].bytes, t->regions[0].bytes);
  EXPECT_EQ(again->regions[1].bytes, t->regions[1].bytes);
}

TEST(PartitionTable, CorruptGptIsReported) {
  TempDir dir;
  const uint64_t disk = 64ull << 20;
  auto t = BuildPartitionTable({.scheme = PartitionScheme::kGpt, .disk_bytes = disk, .seed = 1});
  ASSERT_TRUE(t.ok());
  t->regions[0].bytes[512 + 60] ^= std::byte{0xFF};   // disk GUID: breaks the header CRC
  t->regions[0].bytes[1024 + 40] ^= std::byte{0xFF};  // first entry: breaks the entries CRC
  std::string img = WriteImage(dir, *t, disk);
  auto target = OpenTarget(img, {});
  ASSERT_TRUE(target.ok());
  auto problems = CheckGpt(**target, disk).problems;
  ASSERT_EQ(problems.size(), 3u);  // header CRC, entries CRC, backup entries differ
  EXPECT_EQ(problems[0].where, "primary GPT header");
  EXPECT_NE(problems[0].what.find("CRC32"), std::string::npos);
  EXPECT_EQ(problems[0].offset, 512u + 16);
  EXPECT_NE(problems[1].what.find("entry array CRC32"), std::string::npos);
}

TEST(PartitionTable, SoundGptHasNoProblems) {
  TempDir dir;
  const uint64_t disk = 64ull << 20;
  auto t = BuildPartitionTable({.scheme = PartitionScheme::kGpt, .disk_bytes = disk, .seed = 1});
  ASSERT_TRUE(t.ok());
  auto target = OpenTarget(WriteImage(dir, *t, disk), {});
  ASSERT_TRUE(target.ok());
  EXPECT_TRUE(HasGpt(**target));
  auto gpt = CheckGpt(**target, disk);
  EXPECT_TRUE(gpt.found);
  EXPECT_TRUE(gpt.problems.empty()) << gpt.problems[0].what;
}

}  // namespace
}  // namespace mediaforge::device
