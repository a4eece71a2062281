// The job runner: one layout onto several destinations with one report per target, read-back
// verification that names the first differing byte, injected failures that leave an existing
// file untouched and nothing behind, cancellation, and volume sets.
#include "engine/job.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/faulty_target.h"
#include "tests/support/forwarding_target.h"
#include "tests/support/test_support.h"

namespace mediaforge::engine {
namespace {

using testing::ReadWholeFile;
constexpr auto Entries = testing::DirectoryEntries;
using testing::TempDir;
using testing::WritePatternFile;
using testing::WriteWholeFile;

// Stores one byte wrong, as a failing flash cell would: writes pass, the read-back differs.
class FlipOneByte final : public device::ForwardingTarget {
 public:
  FlipOneByte(std::unique_ptr<device::Target> inner, uint64_t at)
      : ForwardingTarget(std::move(inner)), at_(at) {}
  absl::StatusOr<size_t> WriteAt(std::span<const std::byte> data, uint64_t offset) override {
    if (at_ < offset || at_ >= offset + data.size()) return inner_->WriteAt(data, offset);
    std::vector<std::byte> copy(data.begin(), data.end());
    copy[at_ - offset] ^= std::byte{0x40};
    return inner_->WriteAt(copy, offset);
  }

 private:
  uint64_t at_;
};

struct Fixture {
  TempDir dir;
  Layout layout;
  std::vector<char> source;
  explicit Fixture(uint64_t size = 9'000'000) : layout(size) {
    WritePatternFile(dir / "src.bin", size, 11);
    source = ReadWholeFile(dir / "src.bin");
    layout.AddFileRange(0, (dir / "src.bin").string(), 0, size);
    EXPECT_TRUE(layout.Finalize().ok());
  }
  std::string Path(const std::string& name) const { return (dir / name).string(); }
};

std::unique_ptr<Destination> OpenOrDie(const std::string& path, DestinationOptions o = {}) {
  auto d = Destination::Open(path, o);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? std::move(*d) : nullptr;
}

TEST(Job, ReportsEveryTargetAndCommitsThem) {
  Fixture f;
  WriteWholeFile(f.dir / "b.img", "old");
  std::vector<std::unique_ptr<Destination>> owned;
  std::vector<Destination*> all;
  for (const char* n : {"a.img", "b.img", "c.img"}) {
    owned.push_back(OpenOrDie(f.Path(n)));
    all.push_back(owned.back().get());
  }
  std::vector<JobProgress> seen;
  auto report = RunJob(f.layout, all,
                       {.block_size = 1 << 20,
                        .sha256 = true,
                        .verify = true,
                        .progress = [&](const JobProgress& p) { seen.push_back(p); }});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->all_ok());
  EXPECT_EQ(report->bytes, 9'000'000u);
  ASSERT_TRUE(report->sha256.has_value());
  ASSERT_EQ(report->targets.size(), 3u);
  for (const auto& t : report->targets) {
    EXPECT_EQ(t.bytes, 9'000'000u) << t.path;
    EXPECT_GT(t.seconds, 0) << t.path;
    EXPECT_GT(t.mb_per_s(), 0) << t.path;
    EXPECT_EQ(t.verified, std::optional<bool>(true)) << t.path;
    EXPECT_EQ(t.verified_bytes, 9'000'000u) << t.path;
    EXPECT_TRUE(t.committed) << t.path;
    EXPECT_TRUE(ReadWholeFile(t.path) == f.source) << t.path;
  }
  EXPECT_EQ(report->targets[1].path, f.Path("b.img"));
  EXPECT_EQ(Entries(f.dir.path()),
            (std::vector<std::string>{"a.img", "b.img", "c.img", "src.bin"}));
  bool wrote_all = false;
  for (const JobProgress& p : seen) {
    if (p.phase == JobProgress::Phase::kWrite && p.done == 9'000'000u && p.total == p.done) {
      wrote_all = true;
    }
  }
  EXPECT_TRUE(wrote_all);
}

TEST(Job, VerifyMismatchNamesTheByteAndKeepsTheOldFile) {
  Fixture f;
  WriteWholeFile(f.dir / "lying.img", "old and fine");
  auto good = OpenOrDie(f.Path("good.img"));
  auto lying = OpenOrDie(f.Path("lying.img"), {.wrap = [](auto t) {
                           return std::make_unique<FlipOneByte>(std::move(t), 5'000'123);
                         }});
  Destination* all[] = {good.get(), lying.get()};
  auto report = RunJob(f.layout, all, {.block_size = 1 << 20, .verify = true});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->all_ok());
  const auto& ok = report->targets[0];
  const auto& bad = report->targets[1];
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(ok.committed);
  EXPECT_EQ(bad.verified, std::optional<bool>(false));
  EXPECT_TRUE(bad.verify_mismatch);
  EXPECT_EQ(bad.offset, std::optional<uint64_t>(5'000'123));
  EXPECT_NE(bad.error.message().find("5000123"), std::string::npos) << bad.error;
  EXPECT_FALSE(bad.committed);
  auto old = ReadWholeFile(f.dir / "lying.img");
  EXPECT_EQ(std::string(old.begin(), old.end()), "old and fine");
  EXPECT_EQ(Entries(f.dir.path()), (std::vector<std::string>{"good.img", "lying.img", "src.bin"}));
}

TEST(Job, InjectedWriteFailureLeavesTheOldFileAndNothingBehind) {
  for (bool unnamed : {true, false}) {
    Fixture f;
    WriteWholeFile(f.dir / "out.img", "previous image");
    auto other = OpenOrDie(f.Path("other.img"), {.unnamed_temp_file = unnamed});
    auto failing = OpenOrDie(f.Path("out.img"), {.unnamed_temp_file = unnamed, .wrap = [](auto t) {
                                                   device::FaultPlan plan;
                                                   plan.eio_offset = 3 << 20;
                                                   return std::make_unique<device::FaultyTarget>(
                                                       std::move(t), plan);
                                                 }});
    Destination* all[] = {failing.get(), other.get()};
    auto report = RunJob(f.layout, all, {.block_size = 1 << 20});
    ASSERT_TRUE(report.ok()) << report.status();
    const auto& bad = report->targets[0];
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.offset, std::optional<uint64_t>(3 << 20));
    EXPECT_NE(bad.error.message().find(f.Path("out.img")), std::string::npos) << bad.error;
    EXPECT_FALSE(bad.committed);
    EXPECT_TRUE(report->targets[1].committed);  // one failing target does not stop the others
    auto old = ReadWholeFile(f.dir / "out.img");
    EXPECT_EQ(std::string(old.begin(), old.end()), "previous image");
    EXPECT_EQ(Entries(f.dir.path()), (std::vector<std::string>{"other.img", "out.img", "src.bin"}));
  }
}

// Counts the flushes that reach the target (fdatasync: a device cache flush on real disks).
class CountFlushes final : public device::ForwardingTarget {
 public:
  CountFlushes(std::unique_ptr<device::Target> inner, int* flushes)
      : ForwardingTarget(std::move(inner)), flushes_(flushes) {}
  absl::Status Flush() override {
    ++*flushes_;
    return inner_->Flush();
  }

 private:
  int* flushes_;
};

// JobOptions::commit off (create: the stream, then more writes, then the caller's commit): the
// jobs do not flush; the commit does, once, before the image takes its name.
TEST(Job, WithoutCommitOnlyTheCallersCommitFlushes) {
  Fixture f;
  int flushes = 0;
  auto out = OpenOrDie(f.Path("out.img"), {.wrap = [&](auto t) {
                         return std::make_unique<CountFlushes>(std::move(t), &flushes);
                       }});
  Destination* all[] = {out.get()};
  auto first = RunJob(f.layout, all, {.block_size = 1 << 20, .commit = false});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->all_ok());
  Layout patch(f.layout.total_size());
  patch.AddBytes(4096, std::vector<std::byte>(512, std::byte{0x7e}));
  ASSERT_TRUE(patch.Finalize().ok());
  auto second = RunJob(patch, all, {.commit = false});
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(second->all_ok());
  EXPECT_EQ(flushes, 0);
  ASSERT_TRUE(out->Commit().ok());
  EXPECT_EQ(flushes, 1);
  std::vector<char> expected = f.source;
  std::fill_n(expected.begin() + 4096, 512, '\x7e');
  EXPECT_TRUE(ReadWholeFile(f.dir / "out.img") == expected);

  // A committing job flushes at the end of the write (the targets' seconds include it); the
  // commit's own flush then finds nothing left to write.
  flushes = 0;
  auto flushed = OpenOrDie(f.Path("flushed.img"), {.wrap = [&](auto t) {
                             return std::make_unique<CountFlushes>(std::move(t), &flushes);
                           }});
  Destination* one[] = {flushed.get()};
  auto committed = RunJob(f.layout, one, {});
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_TRUE(committed->targets[0].committed);
  EXPECT_EQ(flushes, 2);
}

TEST(Job, SourceFailureAndCancelCommitNothing) {
  Fixture f;
  WriteWholeFile(f.dir / "out.img", "previous image");
  Layout broken(1 << 20);
  broken.AddFileRange(0, f.Path("vanished.bin"), 0, 1 << 20);
  ASSERT_TRUE(broken.Finalize().ok());
  {
    auto d = OpenOrDie(f.Path("out.img"));
    Destination* all[] = {d.get()};
    auto report = RunJob(broken, all, {});
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.status().message().find("vanished.bin"), std::string::npos);
  }
  {
    std::atomic<bool> cancel{true};
    auto d = OpenOrDie(f.Path("out.img"));
    auto fresh = OpenOrDie(f.Path("fresh.img"));
    Destination* all[] = {d.get(), fresh.get()};
    auto report = RunJob(f.layout, all, {.cancel = &cancel});
    ASSERT_FALSE(report.ok());
    EXPECT_TRUE(absl::IsCancelled(report.status())) << report.status();
  }
  auto old = ReadWholeFile(f.dir / "out.img");
  EXPECT_EQ(std::string(old.begin(), old.end()), "previous image");
  EXPECT_EQ(Entries(f.dir.path()), (std::vector<std::string>{"out.img", "src.bin"}));
}

TEST(Job, VolumeSetIsWrittenAndCommittedTogether) {
  Fixture f(3'000'000);
  Layout second(5000);
  second.AddBytes(0, std::vector<std::byte>(5000, std::byte{7}));
  ASSERT_TRUE(second.Finalize().ok());
  const Layout* layouts[] = {&f.layout, &second};
  {
    auto set = VolumeSet::Open({f.Path("x-01.iso"), f.Path("x-02.iso")});
    ASSERT_TRUE(set.ok()) << set.status();
    uint64_t last_done = 0, last_total = 0;
    auto report = RunVolumeSetJob(layouts, *set, {.verify = true, .progress = [&](auto& p) {
                                                    if (p.phase != JobProgress::Phase::kWrite)
                                                      return;
                                                    last_done = p.done;
                                                    last_total = p.total;
                                                  }});
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_EQ(report->bytes, 3'005'000u);
    EXPECT_EQ(last_total, 3'005'000u);
    EXPECT_EQ(last_done, 3'005'000u);
    ASSERT_EQ(report->targets.size(), 2u);
    EXPECT_TRUE(report->targets[1].committed);
    EXPECT_EQ(std::filesystem::file_size(f.dir / "x-02.iso"), 5000u);
  }
  // A failure in the second volume: neither is replaced.
  auto set = VolumeSet::Open({f.Path("x-01.iso"), f.Path("x-02.iso")});
  ASSERT_TRUE(set.ok());
  Layout missing(4096);
  missing.AddFileRange(0, f.Path("gone"), 0, 4096);
  ASSERT_TRUE(missing.Finalize().ok());
  const Layout* bad[] = {&second, &missing};
  auto report = RunVolumeSetJob(bad, *set, {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("x-02.iso"), std::string::npos) << report.status();
  EXPECT_EQ(std::filesystem::file_size(f.dir / "x-01.iso"), 3'000'000u);
  EXPECT_EQ(Entries(f.dir.path()), (std::vector<std::string>{"src.bin", "x-01.iso", "x-02.iso"}));
}

}  // namespace
}  // namespace mediaforge::engine
