// write --delta and verify --repair end to end on loop devices (issue 12): only changed blocks
// are written and reported; repair fixes exactly the flipped blocks and lists them.
#include <gtest/gtest.h>

#include "nlohmann/json.hpp"
#include "tests/support/cli_json.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr uint64_t kSize = 32 << 20;

void FlipBytes(const fs::path& p, const std::vector<uint64_t>& offsets) {
  for (uint64_t off : offsets) testing::FlipByte(p, off);
}

std::vector<uint64_t> Scattered(int n) {
  std::vector<uint64_t> v;
  for (int i = 0; i < n; ++i) v.push_back(kSize / n * i + 4096 * 3 + 17 * i);
  return v;
}

TEST(CliDelta, RewritesOnlyChangedBlocksOnALoopDevice) {
  TempDir dir;
  testing::WritePatternFile(dir / "v1", kSize, 1);
  fs::copy_file(dir / "v1", dir / "v2");
  FlipBytes(dir / "v2", Scattered(12));
  fs::copy_file(dir / "v1", dir / "disk");
  std::string why;
  auto loop = testing::LoopDevice::Attach(dir / "disk", false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  auto r = testing::RunMediaforge({"write", (dir / "v2").string(), loop->path(), "--delta",
                                   "--verify", "--yes", "--force", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto t = testing::LastJson(r.output)["targets"][0];
  EXPECT_EQ(t["bytes"], 12u * 4096) << t.dump();
  EXPECT_EQ(t["bytes_compared"], kSize);
  EXPECT_EQ(t["ranges_rewritten"], 12u);
  EXPECT_FALSE(t["full_write_estimate_s"].is_null());
  EXPECT_EQ(t["verified"], true);
  EXPECT_TRUE(ReadWholeFile(dir / "disk") == ReadWholeFile(dir / "v2"));
}

TEST(CliDelta, RepairFixesExactlyTheFlippedBlocks) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", kSize, 2);
  fs::copy_file(dir / "img", dir / "disk");
  auto flipped = Scattered(10);
  FlipBytes(dir / "disk", flipped);
  std::string why;
  auto loop = testing::LoopDevice::Attach(dir / "disk", false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  auto before = testing::RunMediaforge({"verify", loop->path(), "--image", (dir / "img").string()});
  EXPECT_EQ(before.exit_code, 1) << before.output;
  auto r = testing::RunMediaforge({"verify", loop->path(), "--image", (dir / "img").string(),
                                   "--repair", "--yes", "--force", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = testing::LastJson(r.output);
  ASSERT_EQ(j["repaired"].size(), 10u) << j.dump();
  for (size_t i = 0; i < flipped.size(); ++i) {
    EXPECT_EQ(j["repaired"][i]["offset"], flipped[i] / 4096 * 4096);
    EXPECT_EQ(j["repaired"][i]["length"], 4096u);
  }
  EXPECT_EQ(j["bytes_rewritten"], 10u * 4096);
  EXPECT_TRUE(ReadWholeFile(dir / "disk") == ReadWholeFile(dir / "img"));
  auto after = testing::RunMediaforge({"verify", loop->path(), "--image", (dir / "img").string()});
  EXPECT_EQ(after.exit_code, 0) << after.output;
}

}  // namespace
}  // namespace mediaforge
