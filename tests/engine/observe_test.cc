// JobOptions::observe / CopyOptions::observe: the observer sees exactly the bytes the targets
// get, each range once, whatever the number of fill threads and however the layout's extents
// fall across blocks; gaps are shown with no bytes; an observer may wait for an earlier chunk
// (several fill workers call it at once); a volume set names the volume.
#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "engine/job.h"
#include "tests/support/test_support.h"

namespace mediaforge::engine {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
using testing::WritePatternFile;

struct Seen {
  size_t layout_index = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::vector<char> bytes;
  bool operator<(const Seen& o) const { return offset < o.offset; }
};

// Files and memory in many small extents (several fill threads), a gap and zeros: the observer
// must see every written byte once, and the gap as a range with no bytes.
TEST(Observe, SeesEveryWrittenByteOnce) {
  TempDir dir;
  constexpr uint64_t kFile = 3'000'001;
  WritePatternFile(dir / "src.bin", kFile, 5);
  Layout layout(200 * 12'345 + 8192 + kFile + 4096);
  uint64_t at = 0;
  for (int i = 0; i < 200; ++i, at += 12'345) {  // > 64 extents: two fill threads
    layout.AddFileRange(at, (dir / "src.bin").string(), static_cast<uint64_t>(i) * 7, 12'345);
  }
  const uint64_t gap = at;  // 4096 bytes left out
  at += 4096;
  layout.AddBytes(at, std::vector<std::byte>(4096, std::byte{0x5a}));
  at += 4096;
  layout.AddFileRange(at, (dir / "src.bin").string(), 0, kFile);
  at += kFile;
  layout.AddZeros(at, 4096);
  ASSERT_TRUE(layout.Finalize().ok());

  auto dst = Destination::Open((dir / "out.img").string());
  ASSERT_TRUE(dst.ok()) << dst.status();
  Destination* all[] = {dst->get()};
  std::mutex mu;
  std::vector<Seen> seen;
  auto report = RunJob(
      layout, all,
      {.block_size = 1 << 20,
       .fill_threads = 3,
       .observe = [&](size_t index, uint64_t offset, uint64_t length, auto bytes) {
         std::lock_guard lock(mu);
         seen.push_back(
             {index, offset, length,
              std::vector<char>(reinterpret_cast<const char*>(bytes.data()),
                                reinterpret_cast<const char*>(bytes.data()) + bytes.size())});
       }});
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->all_ok());
  const std::vector<char> written = ReadWholeFile(dir / "out.img");
  std::sort(seen.begin(), seen.end());
  uint64_t next = 0;
  for (const Seen& s : seen) {
    EXPECT_EQ(s.layout_index, 0u);
    ASSERT_EQ(s.offset, next) << "a range missed or shown twice";
    if (s.offset == gap) {
      EXPECT_EQ(s.length, 4096u);
      EXPECT_TRUE(s.bytes.empty()) << "the gap is shown with no bytes";
    } else {
      ASSERT_EQ(s.bytes.size(), s.length) << "at offset " << s.offset;
      ASSERT_EQ(std::memcmp(s.bytes.data(), written.data() + s.offset, s.bytes.size()), 0)
          << "at offset " << s.offset;
    }
    next += s.length;
  }
  EXPECT_EQ(next, layout.total_size());
}

// The promise an ordered observer builds on (the streamed manifest): a call may wait until the
// chunk before it has been observed, and the copy still ends.
TEST(Observe, MayWaitForTheChunkBefore) {
  TempDir dir;
  constexpr uint64_t kFile = 40u << 20;
  WritePatternFile(dir / "src.bin", kFile, 9);
  Layout layout(kFile);
  for (uint64_t at = 0; at < kFile; at += 1 << 20) {  // many extents: several fill workers
    layout.AddFileRange(at, (dir / "src.bin").string(), at, 1 << 20);
  }
  ASSERT_TRUE(layout.Finalize().ok());
  auto dst = Destination::Open((dir / "out.img").string());
  ASSERT_TRUE(dst.ok()) << dst.status();
  Destination* all[] = {dst->get()};
  std::mutex mu;
  std::condition_variable cv;
  uint64_t done_to = 0;
  auto report = RunJob(layout, all,
                       {.block_size = 1 << 20,
                        .buffers = 4,
                        .fill_threads = 3,
                        .observe = [&](size_t, uint64_t offset, uint64_t length, auto) {
                          std::unique_lock lock(mu);
                          cv.wait(lock, [&] { return done_to == offset; });
                          done_to = offset + length;
                          cv.notify_all();
                        }});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(done_to, kFile);
}

TEST(Observe, VolumeSetNamesTheVolume) {
  TempDir dir;
  Layout first(10'000), second(5000);
  first.AddBytes(0, std::vector<std::byte>(10'000, std::byte{1}));
  second.AddBytes(0, std::vector<std::byte>(5000, std::byte{2}));
  ASSERT_TRUE(first.Finalize().ok());
  ASSERT_TRUE(second.Finalize().ok());
  const Layout* layouts[] = {&first, &second};
  auto set = VolumeSet::Open({(dir / "a.iso").string(), (dir / "b.iso").string()});
  ASSERT_TRUE(set.ok()) << set.status();
  uint64_t bytes[2] = {0, 0};
  auto report =
      RunVolumeSetJob(layouts, *set, {.observe = [&](size_t index, uint64_t, uint64_t, auto span) {
                        ASSERT_LT(index, 2u);
                        for (std::byte b : span) {
                          EXPECT_EQ(b, std::byte(index + 1));
                        }
                        bytes[index] += span.size();
                      }});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(bytes[0], 10'000u);
  EXPECT_EQ(bytes[1], 5000u);
}

}  // namespace
}  // namespace mediaforge::engine
