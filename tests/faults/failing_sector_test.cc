// A failed write names its first failing sector exactly (device/failing_sector.h): one bad
// sector in the middle of a 4 MiB request is found by retrying the request sector by sector,
// the message gives its byte offset and sector number, and the job reports that offset.
#include <gtest/gtest.h>

#include <vector>

#include "device/errors.h"
#include "device/target.h"
#include "engine/destination.h"
#include "engine/job.h"
#include "tests/support/faulty_target.h"
#include "tests/support/memory_target.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

constexpr uint64_t kRequest = 4u << 20;
constexpr uint64_t kBadSector = 12000;  // a 512-byte sector in the middle of [4 MiB, 8 MiB)
constexpr uint64_t kBadOffset = kBadSector * 512;

std::unique_ptr<device::FaultyTarget> BadSectorTarget(std::unique_ptr<device::Target> inner) {
  device::FaultPlan plan;
  plan.eio_offset = kBadOffset;
  plan.eio_length = 512;
  plan.eio_names_request_start = true;  // what pwrite gives: only the request's start
  return std::make_unique<device::FaultyTarget>(std::move(inner), plan);
}

TEST(FailingSector, WriteFullyNamesTheSectorNotTheRequest) {
  auto target = BadSectorTarget(std::make_unique<device::MemoryTarget>(16u << 20, "stick"));
  std::vector<std::byte> data(kRequest, std::byte{0x5a});
  absl::Status s = device::WriteFully(*target, data, kRequest);
  ASSERT_FALSE(s.ok());
  const std::string m(s.message());
  EXPECT_NE(m.find("stick: write failed at byte offset 6144000"), std::string::npos) << m;
  EXPECT_NE(m.find("logical sector 12000 of 512 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("4194304-byte request at byte offset 4194304"), std::string::npos) << m;
  EXPECT_EQ(device::ErrorOffset(s), std::optional<uint64_t>(kBadOffset));
  EXPECT_TRUE(absl::IsDataLoss(s));
  // The sectors before the bad one were written on the retry; none after it.
  std::vector<std::byte> back(512);
  ASSERT_TRUE(device::ReadFully(*target, back, kBadOffset - 512).ok());
  EXPECT_EQ(back[0], std::byte{0x5a});
  ASSERT_TRUE(device::ReadFully(*target, back, kBadOffset + 512).ok());
  EXPECT_EQ(back[0], std::byte{0});
}

TEST(FailingSector, UnalignedRequestCountsWholeSectors) {
  auto target = BadSectorTarget(std::make_unique<device::MemoryTarget>(16u << 20, "stick"));
  std::vector<std::byte> data(kRequest);
  absl::Status s = device::WriteFully(*target, data, kRequest + 100);  // starts inside a sector
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(device::ErrorOffset(s), std::optional<uint64_t>(kBadOffset)) << s;
}

TEST(FailingSector, TheJobReportsTheExactOffset) {
  testing::TempDir dir;
  engine::Layout layout(12u << 20);
  std::vector<std::byte> bytes(12u << 20, std::byte{7});
  layout.AddBytes(0, bytes);
  ASSERT_TRUE(layout.Finalize().ok());
  const std::string path = (dir / "out.img").string();
  testing::WriteWholeFile(path, "older image");
  engine::DestinationOptions options;
  options.wrap = [](std::unique_ptr<device::Target> t) -> std::unique_ptr<device::Target> {
    return BadSectorTarget(std::move(t));
  };
  auto d = engine::Destination::Open(path, options);
  ASSERT_TRUE(d.ok()) << d.status();
  engine::Destination* all[] = {d->get()};
  auto report = engine::RunJob(layout, all, {.block_size = kRequest});
  ASSERT_TRUE(report.ok()) << report.status();
  const auto& t = report->targets[0];
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.offset, std::optional<uint64_t>(kBadOffset));
  EXPECT_NE(t.error.message().find(path), std::string::npos) << t.error;
  EXPECT_NE(t.error.message().find("logical sector"), std::string::npos) << t.error;
  EXPECT_FALSE(t.committed);
  auto old = testing::ReadWholeFile(path);
  EXPECT_EQ(std::string(old.begin(), old.end()), "older image");
  EXPECT_EQ(testing::DirectoryEntries(dir.path()), std::vector<std::string>{"out.img"});
}

}  // namespace
}  // namespace mediaforge
