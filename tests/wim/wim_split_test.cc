// fs/wim: finding, inspecting and splitting WIMs made at test time with wimlib-imagex (one
// non-solid, one --solid), judged by wimlib-imagex apply --ref over the parts.
#include "fs/wim/wim_split.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "fs/wim/wim_find.h"
#include "tests/support/test_support.h"
#include "tests/wim/wim_test_util.h"

namespace mediaforge::wim {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr uint64_t kMiB = 1 << 20;

// Staging directories SplitWims made under `parent` (mediaforge-wim-*).
int StagingDirs(const fs::path& parent) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(parent)) {
    if (e.path().filename().string().rfind("mediaforge-wim-", 0) == 0) ++n;
  }
  return n;
}

class WimSplit : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveTool("wimlib-imagex")) GTEST_SKIP() << "needs wimlib-imagex (wimtools)";
    data_ = dir_ / "data";
    testing::MakeWimData(data_, 12, 1 * kMiB, 7);
    fs::create_directories(dir_ / "tree" / "sources");
    fs::create_directories(dir_ / "staging");
  }
  TempDir dir_;
  fs::path data_;
};

TEST_F(WimSplit, NonSolidAndSolidSplitIntoPartsThatApplyByteIdentical) {
  for (bool solid : {false, true}) {
    SCOPED_TRACE(solid ? "solid" : "non-solid");
    const fs::path wim = dir_ / "tree" / "sources" / (solid ? "install.esd" : "install.wim");
    ASSERT_EQ(testing::CaptureWim(data_, wim, solid).exit_code, 0);
    auto found = FindWimsInDirectory((dir_ / "tree").string(), 4 * kMiB);
    ASSERT_TRUE(found.ok()) << found.status();
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ((*found)[0].solid(), solid);

    WimSplitOptions options;
    options.part_bytes = 3 * kMiB;
    options.staging_parent = (dir_ / "staging").string();
    uint64_t last_done = 0, last_total = 0, calls = 0;
    options.progress = [&](uint64_t done, uint64_t total) {
      EXPECT_GE(done, last_done);  // never goes back
      last_done = done;
      last_total = total;
      ++calls;
    };
    auto plan = PlanWimSplit(*found, options);
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_TRUE(plan->items[0].inspection.has_value());
    EXPECT_EQ(plan->items[0].inspection->solid, solid);
    auto staged = SplitWims(*plan, options);
    ASSERT_TRUE(staged.ok()) << staged.status();
    EXPECT_GT(calls, 2u);
    EXPECT_EQ(last_done, last_total);
    const auto& subs = (*staged)->substitutions();
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0].source_path, wim.string());
    ASSERT_GE(subs[0].files.size(), 3u);
    EXPECT_EQ(subs[0].files[0].name, "install.swm");
    EXPECT_EQ(subs[0].files[1].name, "install2.swm");
    EXPECT_EQ((*staged)->results()[0].exported, solid);
    for (const auto& part : subs[0].files) {
      EXPECT_LE(part.size, options.part_bytes) << part.name;
      EXPECT_EQ(fs::file_size(part.path), part.size);
    }
    EXPECT_EQ(testing::ApplyAndCompare(subs[0].files[0].path, data_,
                                       dir_ / (solid ? "applied-solid" : "applied")),
              "");
    // Non-solid: the split is a raw copy (no recompression), so the parts hold the WIM's bytes.
    if (!solid) {
      EXPECT_LE((*staged)->results()[0].part_bytes_total, fs::file_size(wim) + 4 * kMiB);
    }
    const std::string staging = (*staged)->dir();
    staged->reset();
    EXPECT_FALSE(fs::exists(staging)) << "parts left behind";
    fs::remove(wim);
  }
  EXPECT_EQ(StagingDirs(dir_ / "staging"), 0);
}

TEST_F(WimSplit, RefusesAFileLargerThanAPartNamingItBeforeAnyWrite) {
  testing::WritePatternFile(data_ / "Windows" / "huge.cab", 4 * kMiB, 99);
  ASSERT_EQ(testing::CaptureWim(data_, dir_ / "tree" / "sources" / "install.wim", false).exit_code,
            0);
  auto found = FindWimsInDirectory((dir_ / "tree").string(), 4 * kMiB);
  ASSERT_TRUE(found.ok()) << found.status();
  WimSplitOptions options;
  options.part_bytes = 3 * kMiB;
  options.staging_parent = (dir_ / "staging").string();
  auto plan = PlanWimSplit(*found, options);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(plan.status()));
  EXPECT_NE(plan.status().message().find("huge.cab"), std::string::npos) << plan.status();
  EXPECT_NE(plan.status().message().find("install.wim"), std::string::npos) << plan.status();
  EXPECT_EQ(StagingDirs(dir_ / "staging"), 0);
}

TEST_F(WimSplit, RefusesWhenTheStagingDirectoryIsTooSmall) {
  ASSERT_EQ(testing::CaptureWim(data_, dir_ / "tree" / "sources" / "install.wim", false).exit_code,
            0);
  // A 2 MiB tmpfs as the staging directory (needs mount rights).
  const fs::path small = dir_ / "small";
  fs::create_directories(small);
  if (testing::RunShell("mount -t tmpfs -o size=2m tmpfs '" + small.string() + "' 2>&1")
          .exit_code != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (not root?)";
  }
  auto found = FindWimsInDirectory((dir_ / "tree").string(), 4 * kMiB);
  ASSERT_TRUE(found.ok());
  WimSplitOptions options;
  options.part_bytes = 3 * kMiB;
  options.staging_parent = small.string();
  auto plan = PlanWimSplit(*found, options);
  testing::RunShell("umount '" + small.string() + "'");
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(plan.status())) << plan.status();
  EXPECT_NE(plan.status().message().find(small.string()), std::string::npos) << plan.status();
}

TEST_F(WimSplit, CancelRemovesTheStagingDirectory) {
  ASSERT_EQ(testing::CaptureWim(data_, dir_ / "tree" / "sources" / "install.wim", true).exit_code,
            0);
  auto found = FindWimsInDirectory((dir_ / "tree").string(), 4 * kMiB);
  ASSERT_TRUE(found.ok());
  std::atomic<bool> cancel{false};
  WimSplitOptions options;
  options.part_bytes = 3 * kMiB;
  options.staging_parent = (dir_ / "staging").string();
  options.cancel = &cancel;
  options.progress = [&](uint64_t done, uint64_t total) {
    if (done > 0 && done < total) cancel = true;  // Ctrl-C in the middle of the export
  };
  auto plan = PlanWimSplit(*found, options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto staged = SplitWims(*plan, options);
  ASSERT_FALSE(staged.ok());
  EXPECT_TRUE(absl::IsCancelled(staged.status())) << staged.status();
  EXPECT_EQ(StagingDirs(dir_ / "staging"), 0);
}

TEST_F(WimSplit, NotAWimIsNamed) {
  testing::WriteWholeFile(dir_ / "tree" / "sources" / "install.wim", std::string(6 * kMiB, 'x'));
  auto found = FindWimsInDirectory((dir_ / "tree").string(), 4 * kMiB);
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("install.wim"), std::string::npos);
  EXPECT_NE(found.status().message().find("not one"), std::string::npos) << found.status();
}

}  // namespace
}  // namespace mediaforge::wim
