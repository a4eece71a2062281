// bmap end to end (issue 12): `write --bmap` on loop devices with bmaps made by `bmaptool create`
// and by mediaforge, `bmaptool copy` judging mediaforge's bmaps (from `bmap` and `capture
// --bmap`), discovery beside a compressed image, and refusals that leave the device unchanged.
#include <gtest/gtest.h>


#include "nlohmann/json.hpp"
#include "tests/support/cli_json.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr uint64_t kImageSize = 24 << 20;

testing::CommandResult Cli(std::vector<std::string> args) {
  return testing::RunMediaforge(std::move(args));
}

int Sh(const std::string& script) { return testing::RunShell(script).exit_code; }

// A sparse image: data at 1 MiB (2 MiB long), at 10 MiB (40 KiB) and the last 4 KiB.
void MakeSparseImage(const fs::path& p) {
  std::string s = p.string();
  ASSERT_EQ(
      Sh("truncate -s " + std::to_string(kImageSize) + " '" + s + "' && " +
         "head -c 2097152 /dev/urandom | dd of='" + s +
         "' bs=1M seek=1 conv=notrunc status=none && " + "head -c 40960 /dev/urandom | dd of='" +
         s + "' bs=4096 seek=2560 conv=notrunc status=none && " +
         "head -c 4096 /dev/urandom | dd of='" + s +
         "' bs=4096 seek=" + std::to_string(kImageSize / 4096 - 1) + " conv=notrunc status=none"),
      0);
}

// A "disk" full of a byte pattern, so untouched (unmapped) blocks are visible.
void MakePatternDisk(const fs::path& p, uint64_t size) { testing::WritePatternFile(p, size, 99); }

// True when [offset, offset+length) of a and b are equal.
bool SameRange(const std::vector<char>& a, const std::vector<char>& b, uint64_t offset,
               uint64_t length) {
  return a.size() >= offset + length && b.size() >= offset + length &&
         std::equal(a.begin() + offset, a.begin() + offset + length, b.begin() + offset);
}

struct Loop {
  TempDir dir;
  std::optional<testing::LoopDevice> dev;
  std::string why;
  explicit Loop(uint64_t size, bool pattern = true) {
    if (pattern) {
      MakePatternDisk(dir / "disk", size);
    } else {
      Sh("truncate -s " + std::to_string(size) + " '" + (dir / "disk").string() + "'");
    }
    auto d = testing::LoopDevice::Attach(dir / "disk", false, true, &why);
    if (d) dev.emplace(std::move(*d));
  }
  std::vector<char> Bytes() { return ReadWholeFile(dir / "disk"); }
};

TEST(CliBmap, WritesOnlyMappedRangesOfABmaptoolBmapToALoopDevice) {
  MF_REQUIRE_TOOL("bmaptool");
  TempDir dir;
  MakeSparseImage(dir / "img");
  ASSERT_EQ(testing::Run(
                {"bmaptool", "create", "-o", (dir / "their.bmap").string(), (dir / "img").string()})
                .exit_code,
            0);
  Loop loop(32 << 20);
  if (!loop.dev) GTEST_SKIP() << loop.why;
  auto before = loop.Bytes();
  auto r = Cli({"write", (dir / "img").string(), loop.dev->path(), "--bmap",
                (dir / "their.bmap").string(), "--verify", "--yes", "--force", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = testing::LastJson(r.output);
  const uint64_t mapped = (2 << 20) + 40960 + 4096;
  EXPECT_EQ(j["bytes"], mapped) << j.dump();
  EXPECT_EQ(j["bmap"], (dir / "their.bmap").string());
  EXPECT_EQ(j["targets"][0]["verified"], true);
  auto img = ReadWholeFile(dir / "img");
  auto disk = loop.Bytes();
  EXPECT_TRUE(SameRange(img, disk, 1 << 20, 2 << 20));
  EXPECT_TRUE(SameRange(img, disk, 10 << 20, 40960));
  EXPECT_TRUE(SameRange(img, disk, kImageSize - 4096, 4096));
  // Unmapped blocks keep what the device held.
  EXPECT_TRUE(SameRange(before, disk, 0, 1 << 20));
  EXPECT_TRUE(SameRange(before, disk, 3 << 20, 7 << 20));
  EXPECT_TRUE(SameRange(before, disk, kImageSize, (32 << 20) - kImageSize));
}

// mediaforge's bmap, given to bmaptool copy, and bmaptool's bmap given to mediaforge, produce
// the same device.
TEST(CliBmap, BmaptoolCopyAcceptsOurBmapAndGivesTheSameDevice) {
  MF_REQUIRE_TOOL("bmaptool");
  TempDir dir;
  MakeSparseImage(dir / "img");
  auto r = Cli({"bmap", (dir / "img").string(), "-o", (dir / "our.bmap").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::LastJson(r.output)["mapped_bytes"], (2 << 20) + 40960 + 4096);
  ASSERT_EQ(testing::Run(
                {"bmaptool", "create", "-o", (dir / "their.bmap").string(), (dir / "img").string()})
                .exit_code,
            0);
  Loop a(32 << 20), b(32 << 20);
  if (!a.dev || !b.dev) GTEST_SKIP() << a.why << b.why;
  auto bt = testing::Run({"bmaptool", "copy", "--bmap", (dir / "our.bmap").string(),
                          (dir / "img").string(), a.dev->path()});
  ASSERT_EQ(bt.exit_code, 0) << bt.output;
  auto mf = Cli({"write", (dir / "img").string(), b.dev->path(), "--bmap",
                 (dir / "their.bmap").string(), "--yes", "--force"});
  ASSERT_EQ(mf.exit_code, 0) << mf.output;
  EXPECT_TRUE(a.Bytes() == b.Bytes());
}

// capture --bmap: the captured image plus its bmap, copied by bmaptool onto a blank device,
// reproduces the source device.
TEST(CliBmap, CaptureBmapRestoresTheSourceThroughBmaptool) {
  MF_REQUIRE_TOOL("bmaptool");
  TempDir dir;
  MakeSparseImage(dir / "src");
  Loop src(kImageSize, false);
  if (!src.dev) GTEST_SKIP() << src.why;
  ASSERT_EQ(Sh("dd if='" + (dir / "src").string() + "' of='" + src.dev->path() +
               "' bs=1M oflag=direct status=none"),
            0);
  auto r = Cli({"capture", src.dev->path(), "-o", (dir / "cap.img").string(), "--bmap",
                (dir / "cap.bmap").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(testing::LastJson(r.output)["bmap"], (dir / "cap.bmap").string());
  Loop blank(kImageSize, false);
  if (!blank.dev) GTEST_SKIP() << blank.why;
  auto bt = testing::Run({"bmaptool", "copy", "--bmap", (dir / "cap.bmap").string(),
                          (dir / "cap.img").string(), blank.dev->path()});
  ASSERT_EQ(bt.exit_code, 0) << bt.output;
  EXPECT_NE(bt.output.find("bmap"), std::string::npos);
  EXPECT_TRUE(blank.Bytes() == ReadWholeFile(dir / "src"));
}

TEST(CliBmap, FoundBesideACompressedImageAndTurnedOffByNoBmap) {
  MF_REQUIRE_TOOL("xz");
  TempDir dir;
  MakeSparseImage(dir / "img");
  ASSERT_EQ(Cli({"bmap", (dir / "img").string(), "-o", (dir / "img.bmap").string()}).exit_code, 0);
  ASSERT_EQ(Sh("xz -T2 -0 '" + (dir / "img").string() + "'"), 0);  // img.xz, img.bmap beside
  Loop loop(32 << 20);
  if (!loop.dev) GTEST_SKIP() << loop.why;
  auto r = Cli({"write", (dir / "img.xz").string(), loop.dev->path(), "--verify", "--yes",
                "--force", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("found beside"), std::string::npos) << r.output;
  auto j = testing::LastJson(r.output);
  EXPECT_EQ(j["bmap"], (dir / "img.bmap").string());
  EXPECT_EQ(j["bytes"], (2 << 20) + 40960 + 4096);
  EXPECT_EQ(j["targets"][0]["verified"], true);
  r = Cli({"write", (dir / "img.xz").string(), loop.dev->path(), "--no-bmap", "--yes", "--force",
           "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = testing::LastJson(r.output);
  EXPECT_TRUE(j["bmap"].is_null());
  EXPECT_EQ(j["bytes"], kImageSize);
}

TEST(CliBmap, DamagedBmapIsRefusedBeforeWritingAndNamesTheLine) {
  TempDir dir;
  MakeSparseImage(dir / "img");
  ASSERT_EQ(Cli({"bmap", (dir / "img").string(), "-o", (dir / "img.bmap").string()}).exit_code, 0);
  // One block less in a range: the file checksum no longer matches.
  ASSERT_EQ(Sh("sed -i 's/> 256-767 </> 256-766 </' '" + (dir / "img.bmap").string() + "'"), 0);
  Loop loop(32 << 20);
  if (!loop.dev) GTEST_SKIP() << loop.why;
  auto before = loop.Bytes();
  auto r = Cli({"write", (dir / "img").string(), loop.dev->path(), "--yes", "--force", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("img.bmap:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("checksum mismatch"), std::string::npos) << r.output;
  EXPECT_EQ(testing::LastJson(r.output)["ok"], false);
  EXPECT_TRUE(loop.Bytes() == before);
}

TEST(CliBmap, ImageChangedAfterItsBmapStopsAtTheRange) {
  TempDir dir;
  MakeSparseImage(dir / "img");
  ASSERT_EQ(Cli({"bmap", (dir / "img").string(), "-o", (dir / "img.bmap").string()}).exit_code, 0);
  // A byte changes inside the second range (blocks 2560-2569, byte offset 10485760): inverted,
  // so it differs whatever the random data held there.
  testing::FlipByte(dir / "img", 10485800);
  Loop loop(32 << 20);
  if (!loop.dev) GTEST_SKIP() << loop.why;
  auto r = Cli({"write", (dir / "img").string(), loop.dev->path(), "--yes", "--force", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("bmap range 2560-2569"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("byte offset 10485760"), std::string::npos) << r.output;
}

TEST(CliBmap, ImageFileTargetGetsHolesWhereUnmapped) {
  TempDir dir;
  MakeSparseImage(dir / "img");
  ASSERT_EQ(Cli({"bmap", (dir / "img").string(), "-o", (dir / "img.bmap").string()}).exit_code, 0);
  auto r = Cli({"write", (dir / "img").string(), (dir / "out.img").string(), "--verify"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(ReadWholeFile(dir / "out.img") == ReadWholeFile(dir / "img"));
}

}  // namespace
}  // namespace mediaforge
