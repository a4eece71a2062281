// Throughput figures on a regular file and on a loop device: all eight present, positive, with
// their spread; performance itself is measured in bench/, never asserted here.
#include "engine/throughput/throughput_figures.h"

#include <gtest/gtest.h>

#include "tests/throughput/throughput_test_util.h"

namespace mediaforge::engine::throughput {
namespace {

using testing::LoopDevice;
using testing::TempDir;

SpeedOptions SmallRun() {
  SpeedOptions o;
  o.size = 16 << 20;
  o.runs = 2;
  o.random_seconds = 0.2;
  return o;
}

void ExpectFigures(const SpeedReport& report) {
  ASSERT_EQ(report.figures.size(), 8u);
  EXPECT_FALSE(report.cancelled);
  for (const Figure& f : report.figures) {
    SCOPED_TRACE(f.spec.test + " QD" + std::to_string(f.spec.queue_depth));
    ASSERT_EQ(f.runs.size(), 2u);
    EXPECT_GT(f.mean_mb_per_s, 0);
    EXPECT_GT(f.mean_iops, 0);
    EXPECT_LE(f.min_mb_per_s, f.mean_mb_per_s);
    EXPECT_GE(f.max_mb_per_s, f.mean_mb_per_s);
    EXPECT_GE(f.stddev_mb_per_s, 0);
    EXPECT_EQ(f.spec.block_size, f.spec.random ? 4096u : 1u << 20);
  }
  EXPECT_EQ(report.figures[0].spec.test, "seq-write");
  EXPECT_EQ(report.figures[7].spec.test, "rand-read");
  EXPECT_EQ(report.figures[7].spec.queue_depth, 32);
}

TEST(SpeedTest, RegularFileGivesEveryFigure) {
  TempDir dir;
  auto target = OpenFileTarget((dir / "img").string(), 16 << 20);
  auto report = RunSpeedTests(*target, SmallRun());
  ASSERT_TRUE(report.ok()) << report.status();
  ExpectFigures(*report);
  EXPECT_EQ(report->size, 16u << 20);
}

TEST(SpeedTest, ThreadEngineGivesEveryFigure) {
  TempDir dir;
  auto target = OpenFileTarget((dir / "img").string(), 16 << 20);
  SpeedOptions o = SmallRun();
  o.engine = IoEnginePreference::kThreads;
  auto report = RunSpeedTests(*target, o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->engine, IoEngine::kThreads);
  ExpectFigures(*report);
}

TEST(SpeedTest, LoopDeviceGivesEveryFigure) {
  TempDir dir;
  OpenFileTarget((dir / "backing").string(), 32 << 20).reset();
  std::string why;
  auto loop = LoopDevice::Attach(dir / "backing", false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  auto target = device::OpenTarget(loop->path(), {.write = true});
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_TRUE((*target)->direct());
  auto report = RunSpeedTests(**target, SmallRun());
  ASSERT_TRUE(report.ok()) << report.status();
  ExpectFigures(*report);
  EXPECT_TRUE(report->cache_bypassed);
}

TEST(SpeedTest, TooSmallTargetIsAnError) {
  TempDir dir;
  auto target = OpenFileTarget((dir / "img").string(), 4096);
  auto report = RunSpeedTests(*target, SmallRun());
  EXPECT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("img"), absl::string_view::npos);
}

}  // namespace
}  // namespace mediaforge::engine::throughput
