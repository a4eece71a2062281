// The wrong-disk guard, on real things: this machine's root disk (never written: the guard
// refuses before anything is opened for writing), loop devices we attach, files, directories.
#include "device/guard.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "device/block_info.h"
#include "tests/support/test_support.h"

namespace mediaforge::device {
namespace {

using testing::TempDir;

TEST(Guard, FilesAreAllowedDirectoriesAreErrors) {
  TempDir dir;
  auto f = CheckTarget((dir / "new.img").string(), 1 << 20, {});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->allowed);
  EXPECT_FALSE(f->is_block_device);
  auto d = CheckTarget(dir.path().string(), 0, {});
  EXPECT_FALSE(d.ok());
  auto p = CheckTarget((dir / "no/such/dir/x.img").string(), 0, {});
  EXPECT_FALSE(p.ok());
}

TEST(Guard, RootDiskIsRefusedWhateverTheFlags) {
  auto devices = ListBlockDevices();
  ASSERT_TRUE(devices.ok());
  const BlockInfo* root = nullptr;
  for (const auto& b : *devices) {
    if (b.backs_root) root = &b;
  }
  if (root == nullptr) GTEST_SKIP() << "/ is not on a block device here (overlay or tmpfs root)";
  auto d = CheckTarget(root->path, 0, {.yes = true, .force = true, .interactive = false});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->allowed);
  ASSERT_FALSE(d->reasons.empty());
  EXPECT_NE(d->reasons[0].what.find("running system"), std::string::npos);
}

TEST(Guard, LoopDeviceNeedsForceAndYesAndRoom) {
  TempDir dir;
  std::string why;
  auto loop = testing::LoopDevice::AttachBlank(dir / "backing", 16 << 20, false, false, &why);
  if (!loop) GTEST_SKIP() << why;

  auto no_force = CheckTarget(loop->path(), 0, {.yes = true});
  ASSERT_TRUE(no_force.ok());
  EXPECT_FALSE(no_force->allowed);  // loop devices are not removable
  EXPECT_NE(no_force->reasons[0].what.find("not removable"), std::string::npos);
  EXPECT_EQ(no_force->reasons[0].override_by, GuardReason::Override::kForce);
  EXPECT_TRUE(no_force->force_would_allow);

  auto no_yes = CheckTarget(loop->path(), 0, {.force = true, .interactive = false});
  ASSERT_TRUE(no_yes.ok());
  EXPECT_FALSE(no_yes->allowed);
  EXPECT_EQ(no_yes->reasons[0].override_by, GuardReason::Override::kConfirmation);
  EXPECT_EQ(no_yes->reasons[0].what.find("--"), std::string::npos);  // the CLI names flags
  EXPECT_TRUE(no_yes->consent_would_allow);

  auto tty = CheckTarget(loop->path(), 0, {.force = true, .interactive = true});
  ASSERT_TRUE(tty.ok());
  EXPECT_TRUE(tty->allowed);
  EXPECT_TRUE(tty->needs_confirmation);

  auto ok = CheckTarget(loop->path(), 1 << 20, {.yes = true, .force = true});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->allowed);
  EXPECT_FALSE(ok->needs_confirmation);

  auto small = CheckTarget(loop->path(), 32 << 20, {.yes = true, .force = true});
  ASSERT_TRUE(small.ok());
  EXPECT_FALSE(small->allowed);
  EXPECT_NE(small->reasons[0].what.find("needed"), std::string::npos);
}

TEST(Discovery, AttachedLoopDeviceIsListedWithItsBackingFile) {
  TempDir dir;
  std::string why;
  auto loop = testing::LoopDevice::AttachBlank(dir / "backing", 4 << 20, false, false, &why);
  if (!loop) GTEST_SKIP() << why;
  auto devices = ListBlockDevices();
  ASSERT_TRUE(devices.ok());
  bool found = false;
  for (const auto& b : *devices) {
    if (b.path != loop->path()) continue;
    found = true;
    EXPECT_EQ(b.transport, "loop");
    EXPECT_EQ(b.size, 4u << 20);
    EXPECT_NE(b.loop_backing_file.find("backing"), std::string::npos);
    EXPECT_TRUE(b.mounts.empty());
    EXPECT_FALSE(b.backs_root);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace mediaforge::device
