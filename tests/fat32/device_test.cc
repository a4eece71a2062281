// Formatting block devices (loop devices this test attaches): old content in the FAT regions is
// overwritten with zeros, a partition node gets hidden sectors = its start and a data region
// aligned to 1 MiB of the disk, and nothing happens without --yes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <fstream>

#include "tests/fat32/fat_test_util.h"

namespace mediaforge::fat32 {
namespace {

using testing::LoopDevice;
using namespace testutil;

TEST(Device, WholeLoopDeviceWithOldContent) {
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  const std::string backing = (dir / "disk.img").string();
  testing::WritePatternFile(backing, 96 << 20, 77);  // junk everywhere, FAT regions included
  std::string why;
  auto loop = LoopDevice::Attach(backing, false, false, &why);
  if (!loop) GTEST_SKIP() << why;
  fs::create_directories(dir / "src/d");
  testing::WritePatternFile(dir / "src/d/file.bin", 1234567, 1);

  auto refused = Format({loop->path(), "--from", (dir / "src").string()});
  EXPECT_EQ(refused.exit_code, 1) << "no --yes and no TTY must refuse\n" << refused.output;

  auto r = Format(
      {loop->path(), "--from", (dir / "src").string(), "--yes", "--force", "--label", "LOOP"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(FsckProblems(loop->path()), "");
  EXPECT_EQ(CheckerProblems(loop->path()), "");
  EXPECT_EQ(BlkidValue(loop->path(), "LABEL"), "LOOP");
  auto t = OpenImage(loop->path());
  auto v = OpenFatVolume(*t, 0);
  ASSERT_TRUE(v.ok());
  auto f = (*v)->Stat("/d/file.bin");
  ASSERT_TRUE(f.ok());
  auto bytes = (*v)->ReadFile(*f);
  ASSERT_TRUE(bytes.ok());
  auto want = testing::ReadWholeFile(dir / "src/d/file.bin");
  EXPECT_TRUE(std::equal(want.begin(), want.end(), reinterpret_cast<const char*>(bytes->data())));
}

TEST(Device, PartitionNodeGetsHiddenSectorsAndAlignment) {
  MF_REQUIRE_TOOL("fsck.fat");
  MF_REQUIRE_TOOL("sfdisk");
  TempDir dir;
  const std::string backing = (dir / "disk.img").string();
  testing::WritePatternFile(backing, 100 << 20, 5);
  auto part =
      testing::RunShell("printf 'label: dos\\nstart=3072, type=c\\n' | sfdisk -q " + backing);
  ASSERT_EQ(part.exit_code, 0) << part.output;
  std::string why;
  auto loop = LoopDevice::Attach(backing, true, false, &why);
  if (!loop) GTEST_SKIP() << why;
  // Without udev the kernel knows the partition but /dev has no node: make our own in the
  // scratch directory from sysfs.
  std::string p1 = loop->path() + "p1";
  const std::string sys = "/sys/class/block/" + fs::path(p1).filename().string() + "/dev";
  for (int i = 0; i < 10 && !fs::exists(p1) && !fs::exists(sys); ++i) usleep(100000);
  if (!fs::exists(p1) && !fs::exists(sys) && testing::HaveTool("partx")) {
    testing::Run({"partx", "-a", loop->path()});  // the kernel skipped the scan: ask for it
  }
  if (!fs::exists(p1)) {
    std::ifstream in(sys);
    unsigned maj = 0, min = 0;
    char colon = 0;
    if (!(in >> maj >> colon >> min)) GTEST_SKIP() << "the kernel did not scan the partition";
    p1 = (dir / "loop-p1").string();
    ASSERT_EQ(::mknod(p1.c_str(), S_IFBLK | 0600, makedev(maj, min)), 0) << std::strerror(errno);
  }
  auto r = Format({p1, "--yes", "--force", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(FsckProblems(p1), "");
  auto t = OpenImage(loop->path());
  auto v = OpenFatVolume(*t, 3072 * 512);  // the same volume read through the whole disk
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ((*v)->geometry().hidden_sectors, 3072u);
  EXPECT_EQ((3072 * 512 + (*v)->geometry().data_offset()) % (1 << 20), 0u);
  EXPECT_EQ(CheckerProblems(loop->path(), 3072 * 512), "");
  // The partition table in front of the partition is untouched.
  auto table = testing::Run({"sfdisk", "-d", loop->path()});
  EXPECT_NE(table.output.find("start=        3072"), std::string::npos) << table.output;
}

}  // namespace
}  // namespace mediaforge::fat32

namespace mediaforge::fat32 {
namespace {

// A failed pre-flight leaves the device exactly as it was.
TEST(Device, RefusedPreflightLeavesTheDeviceUnchanged) {
  testing::TempDir dir;
  const std::string backing = (dir / "disk.img").string();
  testing::WritePatternFile(backing, 64 << 20, 11);
  const std::string before = testutil::FileDigest(backing);
  std::string why;
  auto loop = testing::LoopDevice::Attach(backing, false, false, &why);
  if (!loop) GTEST_SKIP() << why;
  std::filesystem::create_directories(dir / "src");
  testing::WriteWholeFile(dir / "src/ok.txt", "ok");
  testing::WriteWholeFile(dir / "src/bad|name.txt", "bad");
  auto r = testutil::Format({loop->path(), "--from", (dir / "src").string(), "--yes", "--force"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find((dir / "src/bad|name.txt").string()), std::string::npos) << r.output;
  testing::WritePatternFile(dir / "big.bin", 80 << 20, 1);
  std::filesystem::rename(dir / "big.bin", dir / "src/big.bin");
  std::filesystem::remove(dir / "src/bad|name.txt");
  r = testutil::Format({loop->path(), "--from", (dir / "src").string(), "--yes", "--force"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("content needs"), std::string::npos) << r.output;
  EXPECT_EQ(testutil::FileDigest(loop->path()), before);
}

}  // namespace
}  // namespace mediaforge::fat32
