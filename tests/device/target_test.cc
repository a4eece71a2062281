// device::Target on regular files and on loop devices; FaultyTarget's faults reaching the engine
// as errors that name the target and the byte offset.
#include "device/target.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "tests/support/faulty_target.h"
#include "engine/stream_copy.h"
#include "tests/support/test_support.h"

namespace mediaforge::device {
namespace {

using testing::TempDir;

TEST(Target, UnalignedIoWorksOnDirectFiles) {
  TempDir dir;
  auto t = OpenTarget((dir / "f").string(), {.write = true, .create = true});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE((*t)->Resize(1 << 20).ok());
  std::vector<std::byte> data(777, std::byte{0x5A});
  ASSERT_TRUE(WriteFully(**t, data, 12345).ok());
  std::vector<std::byte> back(777);
  ASSERT_TRUE((*t)->DropCache().ok());
  ASSERT_TRUE(ReadFully(**t, back, 12345).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ((*t)->size(), 1u << 20);
}

TEST(Target, DirectoryAndMissingFileAreClearErrors) {
  TempDir dir;
  auto d = OpenTarget(dir.path().string(), {.write = true});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("is a directory"), std::string::npos);
  auto m = OpenTarget((dir / "missing").string(), {.write = false});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("missing"), std::string::npos);
}

TEST(Target, ReadPastEndNamesOffset) {
  TempDir dir;
  testing::WriteWholeFile(dir / "f", "hello");
  auto t = OpenTarget((dir / "f").string(), {});
  ASSERT_TRUE(t.ok());
  std::vector<std::byte> buf(10);
  auto s = ReadFully(**t, buf, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("offset 5"), std::string::npos) << s;
}

TEST(Target, LoopDeviceReportsSizeAndSectors) {
  TempDir dir;
  testing::WritePatternFile(dir / "backing", 8 << 20, 1);
  std::string why;
  auto loop = testing::LoopDevice::Attach(dir / "backing", false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  auto t = OpenTarget(loop->path(), {.write = true});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE((*t)->is_block_device());
  EXPECT_EQ((*t)->size(), 8u << 20);
  EXPECT_GE((*t)->logical_sector_size(), 512u);
  EXPECT_TRUE((*t)->direct());
  EXPECT_TRUE((*t)->Flush().ok());
}

// Streams an 8 MiB image into a FaultyTarget over a file; returns the target's report.
engine::TargetReport StreamInto(const FaultPlan& plan, const TempDir& dir) {
  testing::WritePatternFile(dir / "img", 8 << 20, 2);
  engine::Layout layout(8 << 20);
  layout.AddFileRange(0, (dir / "img").string(), 0, 8 << 20);
  EXPECT_TRUE(layout.Finalize().ok());
  auto inner = OpenTarget((dir / "out").string(), {.write = true, .create = true});
  EXPECT_TRUE(inner.ok());
  FaultyTarget faulty(std::move(*inner), plan);
  Target* targets[] = {&faulty};
  auto r = engine::StreamLayout(layout, targets, {.block_size = 1 << 20, .buffers = 4});
  EXPECT_TRUE(r.ok()) << r.status();
  return r->targets[0];
}

TEST(FaultInjection, EioNamesTargetAndOffset) {
  TempDir dir;
  auto tr = StreamInto({.eio_offset = 3 * (1 << 20) + 100}, dir);
  ASSERT_FALSE(tr.status.ok());
  EXPECT_EQ(tr.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(tr.status.message().find("out"), std::string::npos);
  EXPECT_NE(tr.status.message().find("offset 3145828"), std::string::npos) << tr.status;
  EXPECT_EQ(*tr.error_offset, 3u << 20);
}

TEST(FaultInjection, ShortWritesStillCompleteTheImage) {
  TempDir dir;
  auto tr = StreamInto({.short_write_max = 4096 + 512}, dir);
  EXPECT_TRUE(tr.status.ok()) << tr.status;
  EXPECT_EQ(tr.bytes_written, 8u << 20);
  EXPECT_TRUE(testing::ReadWholeFile(dir / "img") == testing::ReadWholeFile(dir / "out"));
}

TEST(FaultInjection, EnospcIsReportedWithOffset) {
  TempDir dir;
  auto tr = StreamInto({.enospc_at = 5 << 20}, dir);
  ASSERT_FALSE(tr.status.ok());
  EXPECT_EQ(tr.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(tr.status.message().find("No space left"), std::string::npos) << tr.status;
  EXPECT_EQ(*tr.error_offset, 5u << 20);
}

TEST(FaultInjection, VanishedDeviceStopsWithENODEV) {
  TempDir dir;
  auto tr = StreamInto({.vanish_after_bytes = 2 << 20}, dir);
  ASSERT_FALSE(tr.status.ok());
  EXPECT_EQ(tr.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(tr.status.message().find("No such device"), std::string::npos) << tr.status;
  ASSERT_TRUE(tr.error_offset.has_value());
  EXPECT_GE(*tr.error_offset, 1u << 20);
}

TEST(FaultInjection, OneFailingTargetDoesNotStopTheOthers) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", 4 << 20, 9);
  engine::Layout layout(4 << 20);
  layout.AddFileRange(0, (dir / "img").string(), 0, 4 << 20);
  ASSERT_TRUE(layout.Finalize().ok());
  auto good = OpenTarget((dir / "good").string(), {.write = true, .create = true});
  auto bad_inner = OpenTarget((dir / "bad").string(), {.write = true, .create = true});
  ASSERT_TRUE(good.ok() && bad_inner.ok());
  FaultyTarget bad(std::move(*bad_inner), {.eio_offset = 0});
  Target* targets[] = {good->get(), &bad};
  auto r = engine::StreamLayout(layout, targets, {.block_size = 1 << 20, .buffers = 4});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->targets[0].status.ok());
  EXPECT_FALSE(r->targets[1].status.ok());
  EXPECT_TRUE(testing::ReadWholeFile(dir / "img") == testing::ReadWholeFile(dir / "good"));
}

}  // namespace
}  // namespace mediaforge::device

namespace mediaforge::device {
namespace {

// Both ways a regular file can be open: O_DIRECT, and buffered (file systems that refuse
// O_DIRECT; older tmpfs) where DropCache() (fdatasync + POSIX_FADV_DONTNEED) keeps read-back
// from the medium. Same bytes either way, aligned or not.
TEST(Target, DirectAndBufferedFilesReadBackTheSame) {
  TempDir dir;
  for (bool direct : {true, false}) {
    std::string path = (dir / (direct ? "direct" : "buffered")).string();
    auto t = OpenTarget(path, {.write = true, .create = true, .truncate = true, .direct = direct});
    ASSERT_TRUE(t.ok()) << t.status();
    if (!direct) {
      EXPECT_FALSE((*t)->direct());
    }
    std::vector<std::byte> data((1 << 20) + 123, std::byte{0x33});
    ASSERT_TRUE(WriteFully(**t, data, 4096).ok());
    ASSERT_TRUE(WriteFully(**t, std::span(data).first(77), 3).ok());
    ASSERT_TRUE((*t)->Flush().ok());
    ASSERT_TRUE((*t)->DropCache().ok());
    std::vector<std::byte> back(data.size());
    ASSERT_TRUE(ReadFully(**t, back, 4096).ok());
    EXPECT_EQ(back, data) << path;
  }
}

}  // namespace
}  // namespace mediaforge::device
