// The wrong-disk guard on loop devices this test attaches itself: a stand-in for the disk
// backing "/" and a mounted disk (mountinfo fixtures: the same checks, without touching the real
// root disk), a disk mounted for real, a non-removable disk, a too-small disk. Each is refused
// (exit 1) before any byte is written: the device hashes the same before and after.
// tests/device/guard_test.cc covers the library's decisions on the real root disk and a loop.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "device/guard.h"
#include "tests/faults/fault_cases.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;
using faults::HashFile;

struct Disk {
  testing::TempDir dir;
  std::optional<testing::LoopDevice> loop;
  std::string why;
};

// A loop device holding a pattern (or an ext4 file system). 80 MiB: room for a FAT32 stick, so
// `usb` and `format` get as far as the guard.
std::unique_ptr<Disk> AttachDisk(bool ext4, uint64_t size = 80 << 20) {
  auto d = std::make_unique<Disk>();
  testing::WritePatternFile(d->dir / "backing", size, 7);
  if (ext4) {
    auto r = testing::RunShell("mkfs.ext4 -q -F " + (d->dir / "backing").string());
    if (r.exit_code != 0) d->why = "mkfs.ext4 failed: " + r.output;
  }
  if (d->why.empty()) {
    if (auto loop = testing::LoopDevice::Attach(d->dir / "backing", false, false, &d->why)) {
      d->loop.emplace(std::move(*loop));
    }
  }
  return d;
}

std::string DevNumbers(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "0:0";
  return absl::StrCat(major(st.st_rdev), ":", minor(st.st_rdev));
}

// Runs the CLI against `device` and checks it refused without writing a byte.
void ExpectRefusedUntouched(const std::string& device, std::vector<std::string> args,
                            const std::string& reason) {
  const std::string before = HashFile(device);
  auto r = testing::RunMediaforge(args);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(reason), std::string::npos) << "want '" << reason << "': " << r.output;
  EXPECT_EQ(HashFile(device), before) << args[0] << " wrote to " << device;
}

class GuardCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WritePatternFile(dir_ / "small.img", 4 << 20, 1);
    testing::WritePatternFile(dir_ / "big.img", 32 << 20, 2);
    fs::create_directories(dir_ / "tree");
    testing::WriteWholeFile(dir_ / "tree/a.txt", "a\n");
  }
  // Every writing command that takes a device, with the flags that pass everything but `reason`.
  void ExpectAllRefuse(const std::string& dev, const std::vector<std::string>& flags,
                       const std::string& image, const std::string& reason) {
    std::vector<std::vector<std::string>> runs = {
        {"write", image, dev}, {"format", dev}, {"usb", (dir_ / "tree").string(), dev}};
    for (auto& run : runs) {
      run.insert(run.end(), flags.begin(), flags.end());
      run.push_back("--no-progress");
      ExpectRefusedUntouched(dev, run, reason);
    }
  }
  testing::TempDir dir_;
};

TEST_F(GuardCliTest, NonRemovableIsRefusedWithoutForce) {
  auto disk = AttachDisk(false);
  if (!disk->loop) GTEST_SKIP() << disk->why;
  ExpectAllRefuse(disk->loop->path(), {"--yes"}, (dir_ / "small.img").string(), "not removable");
}

TEST_F(GuardCliTest, TooSmallIsRefusedEvenWithForce) {
  auto disk = AttachDisk(false, 16 << 20);
  if (!disk->loop) GTEST_SKIP() << disk->why;
  ExpectRefusedUntouched(disk->loop->path(),
                         {"write", (dir_ / "big.img").string(), disk->loop->path(), "--yes",
                          "--force", "--no-progress"},
                         "are needed");
}

TEST_F(GuardCliTest, MountedIsRefusedWhateverTheFlags) {
  auto disk = AttachDisk(true);
  if (!disk->loop) GTEST_SKIP() << disk->why;
  fs::create_directories(dir_ / "mnt");
  const std::string mnt = (dir_ / "mnt").string();
  // Read-only: the file system itself writes nothing while mounted (no journal, no lazy init).
  if (::mount(disk->loop->path().c_str(), mnt.c_str(), "ext4", MS_RDONLY, nullptr) != 0) {
    GTEST_SKIP() << "cannot mount ext4 here: " << std::strerror(errno)
                 << " (the mountinfo fixture test covers this case)";
  }
  struct Unmount {
    std::string at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{mnt};
  ExpectAllRefuse(disk->loop->path(), {"--yes", "--force"}, (dir_ / "small.img").string(),
                  "mounted on");
}

// mountinfo fixtures: the loop device as "/" (the stand-in for the running system's disk) and
// as mounted media. The guard's own checks decide, with every override given.
TEST_F(GuardCliTest, RootStandInAndMountedFixtureAreRefused) {
  auto disk = AttachDisk(false);
  if (!disk->loop) GTEST_SKIP() << disk->why;
  const std::string dev = disk->loop->path();
  const std::string before = HashFile(dev);
  const std::string numbers = DevNumbers(dev);
  struct Fixture {
    std::string mountinfo, reason;
  };
  const Fixture fixtures[] = {
      {absl::StrCat("22 1 ", numbers, " / / rw,relatime shared:1 - ext4 ", dev, " rw\n"),
       "holds the running system"},
      {absl::StrCat("22 1 254:0 / / rw - ext4 /dev/vda rw\n", "90 22 ", numbers,
                    " / /media/stick rw,nosuid shared:40 - vfat ", dev, " rw\n"),
       "mounted on /media/stick"},
  };
  for (const Fixture& f : fixtures) {
    auto table = device::ParseMountTable(f.mountinfo, "Filename Type Size Used Priority\n");
    auto d = device::CheckTarget(dev, 1 << 20, {.yes = true, .force = true}, table);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_FALSE(d->allowed) << f.reason;
    ASSERT_FALSE(d->reasons.empty());
    EXPECT_NE(d->reasons[0].what.find(f.reason), std::string::npos) << d->reasons[0].what;
    EXPECT_FALSE(d->force_would_allow);
    EXPECT_FALSE(d->consent_would_allow);
  }
  // And as swap (/proc/swaps fixture).
  auto swap = device::ParseMountTable(
      "", absl::StrCat("Filename Type Size Used Priority\n", dev, " partition 16380 0 -2\n"));
  auto d = device::CheckTarget(dev, 0, {.yes = true, .force = true}, swap);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->allowed);
  EXPECT_EQ(HashFile(dev), before);
}

}  // namespace
}  // namespace mediaforge
