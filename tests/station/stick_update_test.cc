// A stick that already holds an earlier copy of the image gets a delta write (only the differing
// 4 KiB pages), recorded as bytes written vs skipped; a blank or foreign stick is written in
// full; the policy can force either. Sticks are loop devices over files this test makes.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/station/stick_job.h"
#include "tests/station/stick_fixture.h"

namespace mediaforge::engine::station {
namespace {

// An older release of the image on `disk`: the image with `regions` 64 KiB regions changed.
void PutOlderImage(const Fixture& f, const std::string& disk, int regions) {
  auto bytes = testing::ReadWholeFile(f.image);
  for (int i = 0; i < regions; ++i) {
    const uint64_t at = (kImage / regions) * i + 8192;
    for (uint64_t j = 0; j < (64u << 10); ++j) bytes[at + j] = static_cast<char>(~bytes[at + j]);
  }
  std::fstream out(disk, std::ios::in | std::ios::out | std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good());
}

StickJobOptions Options() {
  StickJobOptions o;
  o.image_bytes = kImage;
  o.force = true;  // loop devices are not removable
  return o;
}

TEST(StickUpdate, EarlierCopyGetsOnlyTheDifferingBlocks) {
  Fixture f;
  std::string disk;
  if (!f.Disk("stale.img", &disk)) GTEST_SKIP() << "needs loop devices: " << f.why;
  PutOlderImage(f, disk, 4);
  auto r = RunStickJob(f.infos[disk], f.Maker(), Options(), nullptr);
  EXPECT_EQ(r.state, StickState::kWritten) << r.error;
  EXPECT_TRUE(r.delta);
  EXPECT_EQ(r.bytes_written, 4u * (64u << 10));  // exactly the changed pages
  EXPECT_EQ(r.bytes_compared, kImage);
  EXPECT_EQ(r.bytes_skipped(), kImage - 4u * (64u << 10));
  EXPECT_TRUE(ImageOnDisk(f, disk));
}

TEST(StickUpdate, BlankAndForeignSticksAreWrittenInFull) {
  Fixture f;
  std::string foreign, blank;
  if (!f.Disk("foreign.img", &foreign) || !f.Disk("blank.img", &blank)) {
    GTEST_SKIP() << "needs loop devices: " << f.why;
  }
  {
    std::ofstream zero(blank, std::ios::in | std::ios::out | std::ios::binary);
    std::vector<char> zeros(kDisk);
    zero.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  for (const std::string& disk : {foreign, blank}) {
    auto r = RunStickJob(f.infos[disk], f.Maker(), Options(), nullptr);
    EXPECT_EQ(r.state, StickState::kWritten) << r.error;
    EXPECT_FALSE(r.delta) << disk;
    EXPECT_EQ(r.bytes_written, kImage) << disk;
    EXPECT_TRUE(ImageOnDisk(f, disk)) << disk;
  }
}

TEST(StickUpdate, PolicyForcesOrForbidsTheDelta) {
  Fixture f;
  std::string stale, foreign;
  if (!f.Disk("stale.img", &stale) || !f.Disk("foreign.img", &foreign)) {
    GTEST_SKIP() << "needs loop devices: " << f.why;
  }
  PutOlderImage(f, stale, 2);
  StickJobOptions never = Options();
  never.delta = DeltaPolicy::kNever;
  auto r = RunStickJob(f.infos[stale], f.Maker(), never, nullptr);
  EXPECT_EQ(r.state, StickState::kWritten) << r.error;
  EXPECT_FALSE(r.delta);
  EXPECT_EQ(r.bytes_written, kImage);
  EXPECT_TRUE(ImageOnDisk(f, stale));

  StickJobOptions always = Options();
  always.delta = DeltaPolicy::kAlways;
  r = RunStickJob(f.infos[foreign], f.Maker(), always, nullptr);
  EXPECT_EQ(r.state, StickState::kWritten) << r.error;
  EXPECT_TRUE(r.delta);
  EXPECT_EQ(r.bytes_compared, kImage);
  EXPECT_TRUE(ImageOnDisk(f, foreign));
}

// A compressed image is a stream: sampled over its first MiBs, then delta-written the same way.
TEST(StickUpdate, CompressedImageDeltaWrite) {
  MF_REQUIRE_TOOL("zstd");
  Fixture f;
  std::string disk;
  if (!f.Disk("stale.img", &disk)) GTEST_SKIP() << "needs loop devices: " << f.why;
  PutOlderImage(f, disk, 3);
  auto z = testing::Run({"zstd", "-q", "-f", "-1", f.image, "-o", f.image + ".zst"});
  ASSERT_EQ(z.exit_code, 0) << z.output;
  auto source = OpenImageSource(f.image + ".zst");
  ASSERT_TRUE(source.ok()) << source.status();
  LayoutMaker make = [&] { return source->MakeLayout(); };
  StickJobOptions o = Options();
  o.image_bytes = kImage;
  auto r = RunStickJob(f.infos[disk], make, o, nullptr);
  EXPECT_EQ(r.state, StickState::kWritten) << r.error;
  EXPECT_TRUE(r.delta);
  EXPECT_EQ(r.bytes_written, 3u * (64u << 10));
  EXPECT_TRUE(ImageOnDisk(f, disk));
}

}  // namespace
}  // namespace mediaforge::engine::station
