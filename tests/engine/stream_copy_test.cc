// The streaming core against regular-file targets: every extent kind, gaps, multi-target,
// SHA-256 beside the copy, and verify finding a flipped byte.
#include "engine/stream_copy.h"

#include <gtest/gtest.h>

#include <random>

#include "device/sha256.h"
#include "device/target.h"
#include "tests/support/faulty_target.h"
#include "tests/support/test_support.h"

namespace mediaforge::engine {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
using testing::WritePatternFile;

std::unique_ptr<device::Target> OpenRw(const std::string& path) {
  auto t = device::OpenTarget(path, {.write = true, .create = true});
  EXPECT_TRUE(t.ok()) << t.status();
  return std::move(*t);
}

TEST(StreamCopy, WritesEveryExtentKindAndLeavesGapsZero) {
  TempDir dir;
  WritePatternFile(dir / "src", 3'000'000, 7);
  auto src = ReadWholeFile(dir / "src");
  Layout layout(8 << 20);
  std::vector<std::byte> head(1000, std::byte{0xAB});
  layout.AddBytes(0, head);
  layout.AddFileRange(4096, (dir / "src").string(), 100, 2'000'000);
  layout.AddZeros(4096 + 2'000'000, 5000);
  layout.AddFileRange(6 << 20, (dir / "src").string(), 0, 3000);
  ASSERT_TRUE(layout.Finalize().ok());

  auto target = OpenRw((dir / "out").string());
  device::Target* targets[] = {target.get()};
  CopyOptions opts;
  opts.block_size = 1 << 20;
  opts.sha256 = true;
  auto report = StreamLayout(layout, targets, opts);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->all_ok());

  auto out = ReadWholeFile(dir / "out");
  ASSERT_EQ(out.size(), 8u << 20);
  std::vector<char> expected(8 << 20, 0);
  std::fill_n(expected.begin(), 1000, static_cast<char>(0xAB));
  std::copy_n(src.begin() + 100, 2'000'000, expected.begin() + 4096);
  std::copy_n(src.begin(), 3000, expected.begin() + (6 << 20));
  EXPECT_TRUE(out == expected);
  EXPECT_EQ(*report->sha256,
            device::Sha256Hex(std::as_bytes(std::span(expected.data(), expected.size()))));

  auto verify = VerifyLayout(layout, *target, {});
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_TRUE(verify->match);
}

TEST(StreamCopy, MultiTargetGivesIdenticalTargets) {
  TempDir dir;
  WritePatternFile(dir / "img", 10'000'123, 3);
  Layout layout(10'000'123);
  layout.AddFileRange(0, (dir / "img").string(), 0, 10'000'123);
  ASSERT_TRUE(layout.Finalize().ok());
  std::vector<std::unique_ptr<device::Target>> owned;
  std::vector<device::Target*> targets;
  for (int i = 0; i < 4; ++i) {
    owned.push_back(OpenRw((dir / ("t" + std::to_string(i))).string()));
    targets.push_back(owned.back().get());
  }
  auto report = StreamLayout(layout, targets, {.block_size = 1 << 20, .buffers = 4});
  ASSERT_TRUE(report.ok()) << report.status();
  auto img = ReadWholeFile(dir / "img");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(report->targets[i].bytes_written, 10'000'123u);
    EXPECT_TRUE(ReadWholeFile(dir / ("t" + std::to_string(i))) == img) << i;
  }
}

TEST(StreamCopy, VerifyNamesTheFlippedByte) {
  TempDir dir;
  const uint64_t size = 6 << 20;
  WritePatternFile(dir / "img", size, 11);
  Layout layout(size);
  layout.AddFileRange(0, (dir / "img").string(), 0, size);
  ASSERT_TRUE(layout.Finalize().ok());
  auto target = OpenRw((dir / "out").string());
  device::Target* targets[] = {target.get()};
  ASSERT_TRUE(StreamLayout(layout, targets, {.block_size = 1 << 20}).ok());
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 25; ++trial) {
    uint64_t off = rng() % size;
    testing::FlipByte(dir / "out", off);
    auto v = VerifyLayout(layout, *target, {.block_size = 1 << 20});
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_FALSE(v->match);
    ASSERT_TRUE(v->first_mismatch.has_value());
    EXPECT_EQ(*v->first_mismatch, off);
    testing::FlipByte(dir / "out", off);  // put it back
  }
}

}  // namespace
}  // namespace mediaforge::engine

namespace mediaforge::engine {
namespace {

TEST(StreamCopy, CancelStopsAtTheNextBufferAndSaysHowFar) {
  TempDir dir;
  WritePatternFile(dir / "img", 32 << 20, 12);
  Layout layout(32 << 20);
  layout.AddFileRange(0, (dir / "img").string(), 0, 32 << 20);
  ASSERT_TRUE(layout.Finalize().ok());
  auto target = OpenRw((dir / "out").string());
  std::atomic<bool> cancel{false};
  CopyOptions opts;
  opts.block_size = 1 << 20;
  opts.buffers = 2;
  opts.cancel = &cancel;
  // Progress is reported at most every 200 ms; cancel from the first report on.
  opts.progress = [&](uint64_t done, uint64_t) {
    if (done > 0) cancel = true;
  };
  // Slow the copy down enough for a progress report to happen: a short-write target.
  device::FaultyTarget slow(std::move(target), {.short_write_max = 4096});
  device::Target* slow_targets[] = {&slow};
  auto r = StreamLayout(layout, slow_targets, opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->cancelled);
  EXPECT_LT(r->bytes, 32u << 20);
  EXPECT_FALSE(r->all_ok());
}

}  // namespace
}  // namespace mediaforge::engine

namespace mediaforge::engine {
namespace {

// Many small files over many blocks with four fill workers: the bytes land right, the SHA-256
// (computed in order from buffers that arrive out of order) matches, digests are in order.
TEST(StreamCopy, ParallelFillersKeepHashOrderAndBytes) {
  TempDir dir;
  Layout layout(24 << 20);
  std::vector<char> expected(24 << 20, 0);
  uint64_t at = 0;
  for (int i = 0; at + 200'000 < expected.size(); ++i) {
    std::string name = (dir / ("f" + std::to_string(i))).string();
    uint64_t size = 1000 + (i * 7919) % 150'000;
    WritePatternFile(name, size, 100 + i);
    auto data = ReadWholeFile(name);
    std::copy(data.begin(), data.end(), expected.begin() + at);
    layout.AddFileRange(at, name, 0, size);
    at += size + (i % 3 == 0 ? 4096 : 0);  // some gaps
  }
  ASSERT_TRUE(layout.Finalize().ok());
  for (int fillers : {1, 4}) {
    auto target = OpenRw((dir / ("out" + std::to_string(fillers))).string());
    device::Target* targets[] = {target.get()};
    CopyOptions opts;
    opts.block_size = 64 << 10;
    opts.buffers = 6;
    opts.fill_threads = fillers;
    opts.sha256 = true;
    opts.block_digests = true;
    auto r = StreamLayout(layout, targets, opts);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(ReadWholeFile(dir / ("out" + std::to_string(fillers))) == expected) << fillers;
    EXPECT_EQ(*r->sha256,
              device::Sha256Hex(std::as_bytes(std::span(expected.data(), expected.size()))));
    EXPECT_TRUE(std::is_sorted(r->digests.begin(), r->digests.end(),
                               [](auto& a, auto& b) { return a.offset < b.offset; }));
    auto v = VerifyDigests(*target, r->digests, {});
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->match);
  }
}

}  // namespace
}  // namespace mediaforge::engine
