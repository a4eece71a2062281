// The disk watcher (device/disk_watcher.h) with a real loop device: attaching a backing file is
// an arrival carrying the disk's identity, detaching it a departure; other engineers' disks
// coming and going on this machine are simply other events.
#include "device/disk_watcher.h"

#include <gtest/gtest.h>

#include <optional>

#include "tests/support/test_support.h"

namespace mediaforge::device {
namespace {

std::optional<DiskEvent> WaitFor(DiskWatcher& w, DiskEvent::Kind kind, const std::string& backing,
                                 int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto events = w.Wait(std::chrono::milliseconds(200));
    if (!events.ok()) return std::nullopt;
    for (const auto& e : *events) {
      if (e.kind == kind && e.disk.loop_backing_file == backing) return e;
    }
  }
  return std::nullopt;
}

TEST(DiskWatcher, LoopDeviceArrivesAndLeaves) {
  testing::TempDir dir;
  const auto backing = dir / "stick.img";
  testing::WritePatternFile(backing, 8 << 20, 1);
  auto watcher = DiskWatcher::Start({.poll_interval = std::chrono::milliseconds(100)});
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  for (const auto& d : (*watcher)->Present()) {
    EXPECT_NE(d.loop_backing_file, backing.string()) << "not attached yet";
  }
  std::string loop_path;
  {
    std::string why;
    auto loop = testing::LoopDevice::Attach(backing, false, false, &why);
    if (!loop) GTEST_SKIP() << "needs loop devices: " << why;
    loop_path = loop->path();
    auto arrived = WaitFor(**watcher, DiskEvent::Kind::kArrived, backing.string(), 10);
    ASSERT_TRUE(arrived.has_value()) << "no arrival for " << loop_path;
    EXPECT_EQ(arrived->disk.path, loop_path);
    EXPECT_EQ(arrived->disk.size, 8u << 20);
    EXPECT_EQ(arrived->disk.transport, "loop");
    EXPECT_FALSE(arrived->disk.removable);
  }
  auto left = WaitFor(**watcher, DiskEvent::Kind::kLeft, backing.string(), 10);
  ASSERT_TRUE(left.has_value()) << "no departure for " << loop_path;
  EXPECT_EQ(left->disk.path, loop_path);
}

TEST(DiskWatcher, IdentityChangesWithTheBackingFile) {
  BlockInfo a;
  a.name = "loop3";
  a.size = 1 << 20;
  a.loop_backing_file = "/tmp/a.img";
  BlockInfo b = a;
  b.loop_backing_file = "/tmp/b.img";
  EXPECT_NE(DiskIdentity(a), DiskIdentity(b));
  EXPECT_EQ(DiskIdentity(a), DiskIdentity(BlockInfo(a)));
}

}  // namespace
}  // namespace mediaforge::device
