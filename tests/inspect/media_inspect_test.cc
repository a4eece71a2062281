// InspectMedia on media mediaforge made itself (GPT stick, superfloppy FAT image, a tiny file):
// findings and problems come back as data, with where and the byte offset; an extra check
// appended to the list sees what the earlier ones learned.
#include "fs/inspect/media_inspect.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace mediaforge::inspect {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

fs::path MakeTree(const TempDir& dir) {
  fs::path src = dir / "src";
  fs::create_directories(src / "EFI" / "BOOT");
  testing::WritePatternFile(src / "EFI" / "BOOT" / "readme.txt", 5000, 1);
  return src;
}

std::unique_ptr<device::Target> Open(const fs::path& path) {
  auto t = device::OpenTarget(path.string(), {.write = false, .exclusive = false});
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : nullptr;
}

bool Found(const MediaReport& r, const std::string& text) {
  for (const auto& f : r.found) {
    if (f.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(InspectMedia, GptStickIsCleanAndDamageIsData) {
  TempDir dir;
  fs::path img = dir / "stick.img";
  auto made = testing::RunMediaforge(
      {"usb", MakeTree(dir).string(), img.string(), "--scheme", "gpt", "--size", "80M", "--yes"});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  {
    auto target = Open(img);
    auto r = InspectMedia(*target);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->problems.empty()) << r->problems[0].where << ": " << r->problems[0].what;
    EXPECT_TRUE(Found(*r, "FAT volume at byte 1048576"));
    EXPECT_TRUE(Found(*r, "GPT partition table"));
  }
  testing::FlipByte(img, 512 + 60);  // the disk GUID: breaks the primary header's CRC32
  auto target = Open(img);
  auto r = InspectMedia(*target);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_FALSE(r->problems.empty());
  EXPECT_NE(r->problems[0].where.find("primary GPT header"), std::string::npos);
  EXPECT_EQ(r->problems[0].offset, 512u + 16);
  EXPECT_NE(r->problems[0].what.find("CRC32"), std::string::npos);
}

TEST(InspectMedia, ExtraCheckSeesTheFatVolumes) {
  TempDir dir;
  fs::path img = dir / "fat.img";
  auto made = testing::RunMediaforge(
      {"format", img.string(), "--size", "16M", "--from", MakeTree(dir).string(), "--yes"});
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto target = Open(img);
  std::vector<MediaCheck> checks = DefaultMediaChecks();
  std::vector<FatVolumeAt> seen;
  checks.push_back([&](InspectionContext& c, MediaReport& r) {
    seen = c.fat_volumes;
    r.problems.push_back({"audit", std::nullopt, "planted by the test"});
    return absl::OkStatus();
  });
  auto r = InspectMedia(*target, checks);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(seen.size(), 1u);  // the superfloppy: one FAT volume over the whole image
  EXPECT_EQ(seen[0].offset, 0u);
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0].where, "audit");
  EXPECT_TRUE(Found(*r, "FAT volume at byte 0"));
}

TEST(InspectMedia, TooSmallIsAProblemNotAnError) {
  TempDir dir;
  fs::path img = dir / "tiny.img";
  testing::WritePatternFile(img, 100, 3);
  auto target = Open(img);
  auto r = InspectMedia(*target);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->problems.size(), 1u);
  EXPECT_EQ(r->problems[0].offset, 0u);
}

}  // namespace
}  // namespace mediaforge::inspect
