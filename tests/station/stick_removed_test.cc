// A stick pulled out mid-write (issue 13): the device answers ENODEV/ENXIO from some byte on
// (device::FaultyTarget's vanishing device), or the watcher sees it leave. It is recorded as
// removed with a clear reason and the byte offset; the sticks beside it finish; nothing hangs.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/station/stick_job.h"
#include "tests/station/stick_fixture.h"
#include "tests/support/forwarding_target.h"

namespace mediaforge::engine::station {
namespace {

StickJobOptions Options() {
  StickJobOptions o;
  o.image_bytes = kImage;
  o.force = true;   // loop devices are not removable
  o.probe = false;  // the probe's own writes would count towards the vanishing point
  o.block_size = 1u << 20;
  return o;
}

TEST(StickRemoved, VanishingMidWriteNamesTheOffsetAndOthersFinish) {
  Fixture f;
  constexpr uint64_t kGoneAt = 5ull << 20;
  auto run = RunThreeSticks(f, [&](int i) {
    StickJobOptions o = Options();
    if (i == 1) {
      device::FaultPlan plan;
      plan.vanish_after_bytes = kGoneAt;
      o.wrap = Faulty(plan);
    }
    return o;
  });
  if (!run) GTEST_SKIP() << "needs loop devices: " << f.why;
  ExpectNeighboursWritten(f, *run);
  const StickResult& gone = run->results[1];
  EXPECT_EQ(gone.state, StickState::kRemoved) << gone.error;
  EXPECT_FALSE(gone.ok());
  ASSERT_TRUE(gone.error_offset.has_value()) << gone.error;
  // Writes land in any order on several threads: the failing one is within a block or so of
  // the point where the device vanished.
  EXPECT_GE(*gone.error_offset, kGoneAt - (4u << 20));
  EXPECT_LE(*gone.error_offset, kGoneAt + (4u << 20));
  EXPECT_NE(gone.error.find("disappeared during the writing at byte offset"), std::string::npos)
      << gone.error;
  EXPECT_NE(gone.error.find("No such device"), std::string::npos) << gone.error;
}

// Every byte lands, then the final flush finds the device gone: removed, not written.
TEST(StickRemoved, VanishingAtTheFinalFlushIsRemovedToo) {
  Fixture f;
  std::string disk;
  if (!f.Disk("v.img", &disk)) GTEST_SKIP() << "needs loop devices: " << f.why;
  StickJobOptions o = Options();
  device::FaultPlan plan;
  plan.vanish_after_bytes = kImage;
  o.wrap = Faulty(plan);
  auto r = RunStickJob(f.infos[disk], f.Maker(), o, nullptr);
  EXPECT_EQ(r.state, StickState::kRemoved) << r.error;
  EXPECT_TRUE(r.error_offset.has_value()) << r.error;
  EXPECT_NE(r.error.find("No such device"), std::string::npos) << r.error;
}

// A stick that takes its time over every write (5 ms each), so the test can pull it out while
// the write is surely under way.
class SlowTarget final : public device::ForwardingTarget {
 public:
  explicit SlowTarget(std::unique_ptr<device::Target> inner) : ForwardingTarget(std::move(inner)) {}
  absl::StatusOr<size_t> WriteAt(std::span<const std::byte> data, uint64_t offset) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return inner_->WriteAt(data.first(std::min<size_t>(data.size(), 64u << 10)), offset);
  }
};

// The watcher saw the disk leave while the write ran (the station sets `removed` and `cancel`):
// the job stops, and the record says how far the write had got.
TEST(StickRemoved, WatcherSeesItLeaveMidWrite) {
  Fixture f;
  std::string disk;
  if (!f.Disk("w.img", &disk)) GTEST_SKIP() << "needs loop devices: " << f.why;
  std::atomic<bool> cancel{false}, removed{false};
  StickJobOptions o = Options();
  o.cancel = &cancel;
  o.removed = &removed;
  o.wrap = [](std::unique_ptr<device::Target> t) -> std::unique_ptr<device::Target> {
    return std::make_unique<SlowTarget>(std::move(t));
  };
  auto r = RunStickJob(f.infos[disk], f.Maker(), o, [&](const StickUpdate& u) {
    if (u.state == StickState::kWriting && u.bytes_done >= (1u << 20)) {
      removed.store(true);
      cancel.store(true);
    }
  });
  EXPECT_EQ(r.state, StickState::kRemoved) << r.error;
  ASSERT_TRUE(r.error_offset.has_value()) << r.error;
  EXPECT_GE(*r.error_offset, 1u << 20);
  EXPECT_LT(*r.error_offset, kImage);
  EXPECT_NE(r.error.find(" of the writing)"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("removed before it was finished (at byte offset"), std::string::npos)
      << r.error;
}

}  // namespace
}  // namespace mediaforge::engine::station
