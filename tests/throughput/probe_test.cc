// --probe: a lying target is caught in a few dozen I/Os with its real capacity to within one
// group, a healthy one passes, and the original blocks are back afterwards.
#include "engine/throughput/probe.h"

#include <gtest/gtest.h>

#include "tests/throughput/throughput_test_util.h"

namespace mediaforge::engine::throughput {
namespace {

using testing::LoopDevice;
using testing::ReadWholeFile;
using testing::TempDir;
using testing::WritePatternFile;

constexpr uint64_t kMiB = 1 << 20;

void ExpectGenuine(const absl::StatusOr<ProbeReport>& r) {
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->fake);
  EXPECT_FALSE(r->first_bad);
  EXPECT_EQ(r->usable_bytes, r->declared_bytes);
  EXPECT_TRUE(r->restored) << r->restore_error;
}

TEST(Probe, LyingTargetIsCaughtWithinOneGroupAndRestored) {
  TempDir dir;
  WritePatternFile(dir / "img", 64 * kMiB, 5);
  auto before = ReadWholeFile(dir / "img");
  auto target = OpenLyingTarget((dir / "img").string(), 64 * kMiB, 256 * kMiB);
  auto r = RunProbe(*target, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->fake);
  EXPECT_EQ(r->declared_bytes, 256 * kMiB);
  EXPECT_EQ(r->group_bytes, kMiB);
  EXPECT_LE(r->usable_bytes, 64 * kMiB);
  EXPECT_GE(r->usable_bytes, 63 * kMiB);
  ASSERT_TRUE(r->first_bad);
  EXPECT_EQ(r->first_bad->kind, RegionKind::kAliased);
  EXPECT_EQ(r->first_bad->offset, r->usable_bytes);
  EXPECT_LT(r->writes + r->reads, 2000);
  EXPECT_TRUE(r->restored) << r->restore_error;
  target.reset();
  EXPECT_TRUE(ReadWholeFile(dir / "img") == before);
}

TEST(Probe, NonPowerOfTwoDeclaredSizeStillFindsTheWrap) {
  TempDir dir;
  auto target = OpenLyingTarget((dir / "img").string(), 32 * kMiB, 200 * kMiB + 4096 * 3);
  auto r = RunProbe(*target, {.group = 256 * 1024});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->fake);
  EXPECT_LE(r->usable_bytes, 32 * kMiB);
  EXPECT_GE(r->usable_bytes, 32 * kMiB - 256 * 1024);
}

TEST(Probe, HealthyTargetPassesAndIsRestored) {
  TempDir dir;
  WritePatternFile(dir / "img", 40 * kMiB + 8192, 6);
  auto before = ReadWholeFile(dir / "img");
  auto target = OpenFileTarget((dir / "img").string(), 0);
  ExpectGenuine(RunProbe(*target, {}));
  target.reset();
  EXPECT_TRUE(ReadWholeFile(dir / "img") == before);
}

TEST(Probe, LoopDevicePassesAndIsRestored) {
  TempDir dir;
  WritePatternFile(dir / "backing", 32 * kMiB, 8);
  auto before = ReadWholeFile(dir / "backing");
  std::string why;
  {
    auto loop = LoopDevice::Attach(dir / "backing", false, true, &why);
    if (!loop) GTEST_SKIP() << why;
    auto target = device::OpenTarget(loop->path(), {.write = true});
    ASSERT_TRUE(target.ok()) << target.status();
    ExpectGenuine(RunProbe(**target, {}));
  }
  EXPECT_TRUE(ReadWholeFile(dir / "backing") == before);
}

TEST(Probe, DestructiveLeavesItsBlocks) {
  TempDir dir;
  WritePatternFile(dir / "img", 8 * kMiB, 7);
  auto before = ReadWholeFile(dir / "img");
  auto target = OpenFileTarget((dir / "img").string(), 0);
  auto r = RunProbe(*target, {.destructive = true});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->restored);
  target.reset();
  EXPECT_FALSE(ReadWholeFile(dir / "img") == before);
}

TEST(Probe, CancelledProbeStillRestores) {
  TempDir dir;
  WritePatternFile(dir / "img", 64 * kMiB, 9);
  auto before = ReadWholeFile(dir / "img");
  auto target = OpenLyingTarget((dir / "img").string(), 64 * kMiB, 256 * kMiB);
  std::atomic<bool> cancel{true};
  auto r = RunProbe(*target, {.cancel = &cancel});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->cancelled);
  EXPECT_TRUE(r->restored);
  target.reset();
  EXPECT_TRUE(ReadWholeFile(dir / "img") == before);
}

TEST(Probe, EioSpotIsBadMediaNotFakeCapacity) {
  TempDir dir;
  device::FaultPlan plan;
  plan.eio_offset = 17 * kMiB - 4096;  // the probed unit of group 16 (a power of two)
  plan.eio_length = 4096;
  device::FaultyTarget target(OpenFileTarget((dir / "img").string(), 32 * kMiB), plan);
  auto r = RunProbe(target, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->fake);
  ASSERT_TRUE(r->first_bad);
  EXPECT_EQ(r->first_bad->kind, RegionKind::kIoError);
  EXPECT_EQ(r->usable_bytes, 16 * kMiB);
  EXPECT_TRUE(r->restored) << r->restore_error;
}

}  // namespace
}  // namespace mediaforge::engine::throughput
