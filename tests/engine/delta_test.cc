// Delta writes (issue 12): only the pages that differ reach the target (counted through the
// I/O interface), each of several targets gets its own delta, and an interrupted write is
// finished by a delta pass that writes only what is missing.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "tests/support/faulty_target.h"
#include "device/target.h"
#include "engine/image_source.h"
#include "engine/stream_copy.h"
#include "tests/support/test_support.h"

namespace mediaforge::engine {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr uint64_t kSize = 24 << 20;

std::unique_ptr<device::FaultyTarget> OpenCounting(const fs::path& p, device::FaultPlan plan = {}) {
  auto t = device::OpenTarget(p.string(), {.write = true});
  EXPECT_TRUE(t.ok()) << t.status();
  return std::make_unique<device::FaultyTarget>(std::move(*t), plan);
}

// Changes `count` 4 KiB pages spread over the file (a new version of it); returns their offsets.
std::vector<uint64_t> ChangePages(const fs::path& p, int count, uint64_t seed) {
  std::vector<uint64_t> offsets;
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < count; ++i) {
    uint64_t off = (kSize / count) / 4096 * 4096 * i + 4096 * (rng() % 16);
    std::string page(4096, '\0');
    for (auto& c : page) c = static_cast<char>(rng());
    f.seekp(static_cast<std::streamoff>(off));
    f.write(page.data(), page.size());
    offsets.push_back(off);
  }
  return offsets;
}

absl::StatusOr<CopyReport> Write(const fs::path& image, device::Target& target, bool delta) {
  auto src = OpenImageSource(image.string());
  if (!src.ok()) return src.status();
  auto layout = src->MakeLayout();
  if (!layout.ok()) return layout.status();
  device::Target* targets[] = {&target};
  CopyOptions opts;
  opts.delta = delta;
  opts.block_size = 1 << 20;
  return StreamLayout(*layout, targets, opts);
}

TEST(Delta, WritesOnlyTheChangedPages) {
  TempDir dir;
  testing::WritePatternFile(dir / "v1", kSize, 1);
  fs::copy_file(dir / "v1", dir / "v2");
  auto changed = ChangePages(dir / "v2", 20, 7);
  fs::copy_file(dir / "v1", dir / "target");  // the target holds the previous version
  auto target = OpenCounting(dir / "target");
  auto report = Write(dir / "v2", *target, true);
  ASSERT_TRUE(report.ok()) << report.status();
  const auto& tr = report->targets[0];
  ASSERT_TRUE(tr.status.ok()) << tr.status;
  EXPECT_EQ(target->bytes_written(), 20u * 4096);
  EXPECT_EQ(tr.bytes_written, 20u * 4096);
  EXPECT_EQ(tr.bytes_compared, kSize);
  ASSERT_EQ(tr.rewritten.size(), 20u);
  for (size_t i = 0; i < changed.size(); ++i) {
    EXPECT_EQ(tr.rewritten[i].offset, changed[i]);
    EXPECT_EQ(tr.rewritten[i].length, 4096u);
  }
  target.reset();
  EXPECT_TRUE(ReadWholeFile(dir / "target") == ReadWholeFile(dir / "v2"));
}

TEST(Delta, EachTargetGetsItsOwnDelta) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", kSize, 2);
  fs::copy_file(dir / "img", dir / "a");
  ChangePages(dir / "a", 3, 11);  // a: 3 pages off
  fs::copy_file(dir / "img", dir / "b");
  ChangePages(dir / "b", 9, 12);  // b: 9 pages off
  auto a = OpenCounting(dir / "a");
  auto b = OpenCounting(dir / "b");
  auto src = OpenImageSource((dir / "img").string());
  auto layout = src->MakeLayout();
  device::Target* targets[] = {a.get(), b.get()};
  CopyOptions opts;
  opts.delta = true;
  auto report = StreamLayout(*layout, targets, opts);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(a->bytes_written(), 3u * 4096);
  EXPECT_EQ(b->bytes_written(), 9u * 4096);
  a.reset();
  b.reset();
  EXPECT_TRUE(ReadWholeFile(dir / "a") == ReadWholeFile(dir / "img"));
  EXPECT_TRUE(ReadWholeFile(dir / "b") == ReadWholeFile(dir / "img"));
}

// The stick vanishes at 60%; the same write with delta finishes it, writing only the rest.
TEST(Delta, ResumesAnInterruptedWriteAndVerifies) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", kSize, 3);
  { std::ofstream f(dir / "target"); }
  fs::resize_file(dir / "target", kSize);
  uint64_t first_pass = 0;
  {
    device::FaultPlan plan;
    plan.vanish_after_bytes = kSize * 6 / 10;
    auto target = OpenCounting(dir / "target", plan);
    auto report = Write(dir / "img", *target, false);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_FALSE(report->targets[0].status.ok());
    first_pass = target->bytes_written();
  }
  auto target = OpenCounting(dir / "target");
  auto report = Write(dir / "img", *target, true);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->targets[0].status.ok()) << report->targets[0].status;
  // Only what was missing: at most what the first pass did not write (writes in flight when the
  // stick vanished may have landed too), and never the whole image again.
  EXPECT_GE(first_pass, kSize * 6 / 10);
  EXPECT_LE(target->bytes_written(), kSize - kSize * 6 / 10);
  EXPECT_GT(target->bytes_written(), 0u);
  auto src = OpenImageSource((dir / "img").string());
  auto layout = src->MakeLayout();
  auto v = VerifyLayout(*layout, *target, {});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->match);
}

}  // namespace
}  // namespace mediaforge::engine
