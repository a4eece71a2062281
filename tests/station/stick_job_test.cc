// One stick's job (issue 13) on loop devices standing in for sticks, with the project's fault
// injection (device/faulty_target.h) through the library API: written and verified; "already
// current" without writing; a fake-capacity stick caught by the probe and not written (its
// content restored); EIO mid-write reported with its offset while sticks beside it complete.
#include "engine/station/stick_job.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/station/stick_fixture.h"

namespace mediaforge::engine::station {
namespace {

TEST(StickJob, WritesVerifiesThenFindsItCurrent) {
  Fixture f;
  std::string disk;
  if (!f.Disk("stick.img", &disk)) GTEST_SKIP() << "needs loop devices: " << f.why;
  StickJobOptions o;
  o.image_bytes = kImage;
  o.force = true;  // loop devices are not removable
  std::vector<StickState> seen;
  auto r = RunStickJob(f.infos[disk], f.Maker(), o, [&](const StickUpdate& u) {
    if (seen.empty() || seen.back() != u.state) seen.push_back(u.state);
  });
  EXPECT_EQ(r.state, StickState::kWritten) << r.error;
  EXPECT_EQ(r.bytes_written, kImage);
  EXPECT_EQ(r.probed_bytes, kDisk);
  EXPECT_TRUE(ImageOnDisk(f, disk));
  std::vector<StickState> want = {StickState::kChecking,  StickState::kProbing,
                                  StickState::kComparing, StickState::kWriting,
                                  StickState::kVerifying, StickState::kWritten};
  EXPECT_EQ(seen, want);

  auto again = RunStickJob(f.infos[disk], f.Maker(), o, nullptr);
  EXPECT_EQ(again.state, StickState::kCurrent) << again.error;
  EXPECT_EQ(again.bytes_written, 0u);
}

TEST(StickJob, FakeCapacityCaughtAndNotWritten) {
  Fixture f;
  std::string disk;
  if (!f.Disk("fake.img", &disk)) GTEST_SKIP() << "needs loop devices: " << f.why;
  auto before = testing::ReadWholeFile(disk);
  StickJobOptions o;
  o.image_bytes = kImage;
  o.force = true;  // loop devices are not removable
  device::FaultPlan plan;
  plan.alias_capacity = 8ull << 20;  // claims 32 MiB, stores 8 MiB, wraps the rest
  o.wrap = Faulty(plan);
  auto r = RunStickJob(f.infos[disk], f.Maker(), o, nullptr);
  EXPECT_EQ(r.state, StickState::kFake) << r.error;
  EXPECT_EQ(r.bytes_written, 0u);
  ASSERT_TRUE(r.probed_bytes.has_value());
  EXPECT_LE(*r.probed_bytes, 8ull << 20);
  EXPECT_NE(r.error.find("fake capacity"), std::string::npos) << r.error;
  EXPECT_TRUE(r.error_offset.has_value());
  EXPECT_EQ(testing::ReadWholeFile(disk), before) << "the probe restores what it touched";
}

TEST(StickJob, EioMidWriteNamesTheOffsetAndOthersComplete) {
  Fixture f;
  auto run = RunThreeSticks(f, [](int i) {
    StickJobOptions o;
    o.image_bytes = kImage;
    o.force = true;
    o.probe = i != 1;  // the probe would find the bad spot first; here the write must
    if (i == 1) {
      device::FaultPlan plan;
      plan.eio_offset = 6ull << 20;
      plan.eio_length = 4096;
      o.wrap = Faulty(plan);
    }
    return o;
  });
  if (!run) GTEST_SKIP() << "needs loop devices: " << f.why;
  ExpectNeighboursWritten(f, *run);
  const std::vector<StickResult>& results = run->results;
  EXPECT_EQ(results[1].state, StickState::kFailed);
  ASSERT_TRUE(results[1].error_offset.has_value()) << results[1].error;
  EXPECT_LE(*results[1].error_offset, 6ull << 20);
  EXPECT_GE(*results[1].error_offset, 4ull << 20);
  EXPECT_NE(results[1].error.find("offset"), std::string::npos) << results[1].error;
}

TEST(StickJob, CancelledIsInterrupted) {
  Fixture f;
  std::string disk;
  if (!f.Disk("c.img", &disk)) GTEST_SKIP() << "needs loop devices: " << f.why;
  std::atomic<bool> cancel{true};
  StickJobOptions o;
  o.image_bytes = kImage;
  o.force = true;  // loop devices are not removable
  o.cancel = &cancel;
  auto r = RunStickJob(f.infos[disk], f.Maker(), o, nullptr);
  EXPECT_EQ(r.state, StickState::kInterrupted);
  std::atomic<bool> removed{true};
  o.removed = &removed;
  r = RunStickJob(f.infos[disk], f.Maker(), o, nullptr);
  EXPECT_EQ(r.state, StickState::kRemoved);
}

}  // namespace
}  // namespace mediaforge::engine::station
