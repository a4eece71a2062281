// The --full pass: a healthy target passes whole, a lying one is caught with its real capacity,
// an EIO spot is reported with its offset and the pass goes on past it.
#include "engine/throughput/full_check.h"

#include <gtest/gtest.h>

#include "tests/throughput/throughput_test_util.h"

namespace mediaforge::engine::throughput {
namespace {

using testing::LoopDevice;
using testing::TempDir;

constexpr uint64_t kMiB = 1 << 20;

FullOptions Opts() {
  FullOptions o;
  o.samples = 32;
  return o;
}

void ExpectHealthy(const FullReport& r, uint64_t size) {
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.declared_bytes, size);
  EXPECT_EQ(r.usable_bytes, size);
  EXPECT_EQ(r.good_bytes, size);
  EXPECT_FALSE(r.first_bad_offset);
  EXPECT_TRUE(r.bad_regions.empty());
  EXPECT_GE(r.samples.size(), 16u);
  EXPECT_LE(r.samples.size(), 32u);
  uint64_t covered = 0;
  for (const SpeedSample& s : r.samples) {
    EXPECT_EQ(s.offset, covered);
    covered += s.length;
    EXPECT_GT(s.write_mb_per_s, 0);
    EXPECT_GT(s.read_mb_per_s, 0);
  }
  EXPECT_EQ(covered, size);
}

TEST(FullCheck, HealthyFilePassesWithProgress) {
  TempDir dir;
  auto target = OpenFileTarget((dir / "img").string(), 64 * kMiB);
  FullOptions o = Opts();
  uint64_t last = 0, total = 0;
  bool saw_read = false;
  o.progress = [&](const FullProgress& p) {
    EXPECT_GE(p.done, last);
    last = p.done;
    total = p.total;
    saw_read |= p.reading;
  };
  auto r = RunFullCheck(*target, o);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectHealthy(*r, 64 * kMiB);
  EXPECT_EQ(last, 128 * kMiB);
  EXPECT_EQ(total, 128 * kMiB);
  EXPECT_TRUE(saw_read);
}

TEST(FullCheck, LoopDevicePasses) {
  TempDir dir;
  OpenFileTarget((dir / "backing").string(), 48 * kMiB).reset();
  std::string why;
  auto loop = LoopDevice::Attach(dir / "backing", false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  auto target = device::OpenTarget(loop->path(), {.write = true});
  ASSERT_TRUE(target.ok()) << target.status();
  auto r = RunFullCheck(**target, Opts());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->engine, IoEngine::kIoUring) << r->engine_note;
  ExpectHealthy(*r, 48 * kMiB);
}

TEST(FullCheck, LyingTargetIsCaughtWithItsRealCapacity) {
  TempDir dir;
  auto target = OpenLyingTarget((dir / "img").string(), 64 * kMiB, 256 * kMiB);
  auto r = RunFullCheck(*target, Opts());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(r->declared_bytes, 256 * kMiB);
  // Within one block group (a sample segment, 8 MiB here) of the truth; in fact exact.
  EXPECT_EQ(r->usable_bytes, 64 * kMiB);
  ASSERT_TRUE(r->aliasing_from);
  EXPECT_EQ(*r->aliasing_from, 64 * kMiB);
  ASSERT_EQ(r->bad_regions.size(), 1u);
  EXPECT_EQ(r->bad_regions[0].offset, 64 * kMiB);
  EXPECT_EQ(r->bad_regions[0].length, 192 * kMiB);
  EXPECT_EQ(r->bad_regions[0].kind, RegionKind::kAliased);
  // The start of the target holds what was written last through the wrap.
  EXPECT_EQ(r->overwritten_bytes, 64 * kMiB);
  ASSERT_TRUE(r->bad_regions[0].found_offset);
  EXPECT_EQ(*r->bad_regions[0].found_offset, 192 * kMiB);
}

TEST(FullCheck, EioRegionIsReportedAndThePassGoesOn) {
  TempDir dir;
  device::FaultPlan plan;
  plan.eio_offset = 10 * kMiB + 12288;
  plan.eio_length = 8192;
  plan.eio_on_read = true;
  device::FaultyTarget target(OpenFileTarget((dir / "img").string(), 32 * kMiB), plan);
  auto r = RunFullCheck(target, Opts());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->bad_regions.size(), 1u);
  EXPECT_EQ(r->bad_regions[0].offset, 10 * kMiB + 12288);
  EXPECT_EQ(r->bad_regions[0].length, 8192u);
  EXPECT_EQ(r->bad_regions[0].kind, RegionKind::kIoError);
  EXPECT_EQ(r->bad_regions[0].found, "write failed");
  EXPECT_EQ(r->usable_bytes, 10 * kMiB + 12288);
  EXPECT_EQ(r->good_bytes, 32 * kMiB - 8192);  // everything past the spot was written and read
}

TEST(FullCheck, ReadOnlyEioIsReportedAsReadFailure) {
  TempDir dir;
  device::FaultPlan plan;
  plan.eio_offset = 20 * kMiB;
  plan.eio_length = 4096;
  plan.eio_on_write = false;
  plan.eio_on_read = true;
  device::FaultyTarget target(OpenFileTarget((dir / "img").string(), 24 * kMiB), plan);
  auto r = RunFullCheck(target, Opts());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->bad_regions.size(), 1u);
  EXPECT_EQ(r->bad_regions[0].offset, 20 * kMiB);
  EXPECT_EQ(r->bad_regions[0].length, 4096u);
  EXPECT_NE(r->bad_regions[0].found.find("read failed"), std::string::npos);
  EXPECT_EQ(r->good_bytes, 24 * kMiB - 4096);
}

TEST(FullCheck, VanishingDeviceEndsThePassWithAnError) {
  TempDir dir;
  device::FaultPlan plan;
  plan.vanish_after_bytes = 5 * kMiB;
  device::FaultyTarget target(OpenFileTarget((dir / "img").string(), 16 * kMiB), plan);
  auto r = RunFullCheck(target, Opts());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
}

TEST(FullCheck, CancelStopsEarly) {
  TempDir dir;
  auto target = OpenFileTarget((dir / "img").string(), 32 * kMiB);
  std::atomic<bool> cancel{false};
  FullOptions o = Opts();
  o.cancel = &cancel;
  o.progress = [&](const FullProgress& p) {
    if (p.done >= 4 * kMiB) cancel = true;
  };
  auto r = RunFullCheck(*target, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->cancelled);
  EXPECT_FALSE(r->ok());
}

}  // namespace
}  // namespace mediaforge::engine::throughput
