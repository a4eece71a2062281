// Sticks that lie or vanish, made of real parts (issue 13): FUSE files under loop devices
// (tests/support/fake_capacity_fuse.cc).
//  - fake capacity: declares 32 MiB, stores 8 MiB, wrapping its offsets like counterfeit flash.
//    The probe catches it: recorded "fake" with the capacity found, nothing written (what the
//    probe touched is restored), while a good stick beside it is written.
//  - pulled out mid-write: the file system goes away after 6 MiB were written; the stick is
//    recorded as failed with the byte offset, the stick beside it finishes, and the station goes
//    on to image a stick that arrives afterwards.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "nlohmann/json.hpp"
#include "tests/station/station_background.h"
#include "tests/station/station_cli_support.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::LoopDevice;

constexpr uint64_t kDeclared = 32ull << 20;
constexpr uint64_t kReal = 8ull << 20;
constexpr uint64_t kImage = 12ull << 20;

// The FUSE file system in the background; unmounted and stopped on every exit path.
class FakeStick {
 public:
  FakeStick(const fs::path& backing, const fs::path& mount, std::string* why,
            uint64_t vanish_after = 0)
      : mount_(mount) {
#ifndef MF_FAKE_CAPACITY_FUSE
    *why = "built without libfuse3 (libfuse3-dev)";
    return;
#else
    if (::access("/dev/fuse", R_OK | W_OK) != 0) {
      *why = "no /dev/fuse";
      return;
    }
    fs::create_directories(mount);
    pid_ = fork();
    if (pid_ == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0);
      execl(MF_FAKE_CAPACITY_FUSE, MF_FAKE_CAPACITY_FUSE, backing.c_str(),
            std::to_string(kDeclared).c_str(), mount.c_str(), std::to_string(vanish_after).c_str(),
            nullptr);
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      std::error_code ec;
      if (fs::file_size(file(), ec) == kDeclared) {
        ok_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    *why = "the FUSE file system did not come up (mounting FUSE not allowed here?)";
#endif
  }
  ~FakeStick() {
    if (pid_ <= 0) return;
    ::umount2(mount_.c_str(), MNT_DETACH);
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  bool ok() const { return ok_; }
  fs::path file() const { return mount_ / "stick"; }

 private:
  fs::path mount_;
  pid_t pid_ = -1;
  bool ok_ = false;
};

TEST(StationFake, FuseWrappedStickIsCaughtAndNotWrittenWhileAGoodOneIs) {
  testing::TempDir dir;
  const fs::path image = dir / "image.img", backing = dir / "fake-backing.img",
                 good = dir / "good.img";
  testing::WritePatternFile(image, kImage, 42);
  testing::WritePatternFile(backing, kReal, 3);
  testing::WritePatternFile(good, kDeclared, 4);
  const auto before = testing::ReadWholeFile(backing);
  std::string why;
  FakeStick fake(backing, dir / "mnt", &why);  // declared before the loops: detached after them
  if (!fake.ok()) GTEST_SKIP() << why;
  auto fake_loop = LoopDevice::Attach(fake.file(), false, false, &why);
  if (!fake_loop) GTEST_SKIP() << "needs loop devices: " << why;
  auto good_loop = LoopDevice::Attach(good, false, false, &why);
  if (!good_loop) GTEST_SKIP() << "needs loop devices: " << why;

  auto r = testing::RunMediaforge(
      {"station", image.string(), "--json", "--yes", "--force", "--match", fake.file().string(),
       "--match", good.string(), "--db", (dir / "station.sqlite").string(), "--once"},
      300);
  EXPECT_EQ(r.exit_code, 1) << r.output;  // one stick was not imaged
  std::map<std::string, json> finals = testing::Finals(testing::JsonLines(r.output));
  ASSERT_EQ(finals.size(), 2u) << r.output;
  const json& f = finals[fake.file().string()];
  EXPECT_EQ(f.value("state", ""), "fake") << f.dump();
  EXPECT_EQ(f.value("declared_bytes", uint64_t{0}), kDeclared) << f.dump();
  ASSERT_TRUE(f["probed_bytes"].is_number()) << f.dump();
  EXPECT_LE(f["probed_bytes"].get<uint64_t>(), kReal) << f.dump();
  EXPECT_EQ(f.value("bytes", uint64_t{1}), 0u) << f.dump();
  EXPECT_NE(f.value("error", "").find("fake capacity"), std::string::npos) << f.dump();
  EXPECT_EQ(finals[good.string()].value("state", ""), "written") << r.output;
  EXPECT_EQ(testing::ReadWholeFile(backing), before) << "the probe restores what it touched";

  auto history = testing::RunMediaforge(
      {"station", "--history", "--json", "--db", (dir / "station.sqlite").string()});
  ASSERT_EQ(history.exit_code, 0) << history.output;
  json h = testing::LastJson(history.output);
  ASSERT_EQ(h["records"].size(), 2u) << h.dump();
  int fakes = 0;
  for (const auto& rec : h["records"]) {
    if (rec["result"] == "fake") {
      ++fakes;
      EXPECT_LE(rec["probed_bytes"].get<uint64_t>(), kReal);
    }
  }
  EXPECT_EQ(fakes, 1);
}

TEST(StationFake, StickPulledOutMidWriteOthersFinishAndTheStationGoesOn) {
  testing::TempDir dir;
  const fs::path image = dir / "image.img", backing = dir / "gone-backing.img",
                 first = dir / "stick-first.img", later = dir / "stick-later.img";
  testing::WritePatternFile(image, kImage, 42);
  testing::WritePatternFile(backing, kDeclared, 3);  // a real 32 MiB stick...
  testing::WritePatternFile(first, kDeclared, 4);
  testing::WritePatternFile(later, kDeclared, 5);
  constexpr uint64_t kGoneAfter = 6ull << 20;  // ...pulled out after 6 MiB were written
  std::string why;
  FakeStick gone(backing, dir / "mnt", &why, kGoneAfter);
  if (!gone.ok()) GTEST_SKIP() << why;
  testing::Background station(
      {"station", image.string(), "--json", "--yes", "--force", "--match", gone.file().string(),
       "--match", (dir / "stick-*").string(), "--db", (dir / "station.sqlite").string(),
       "--poll-ms", "100", "--count", "3"},
      dir / "out.jsonl");
  ASSERT_TRUE(station.WaitEvent([](const json& e) { return e.value("event", "") == "start"; }, 60))
      << station.Stderr();
  auto gone_loop = LoopDevice::Attach(gone.file(), false, false, &why);
  if (!gone_loop) GTEST_SKIP() << "needs loop devices: " << why;
  auto first_loop = LoopDevice::Attach(first, false, false, &why);
  if (!first_loop) GTEST_SKIP() << "needs loop devices: " << why;
  const std::string gone_file = gone.file().string();
  ASSERT_TRUE(station.WaitEvent(
      [&](const json& e) { return e.value("backing_file", "") == gone_file && e.contains("ok"); },
      120))
      << station.Stderr();
  // The station is still running: a stick arriving now is imaged too.
  auto later_loop = LoopDevice::Attach(later, false, false, &why);
  if (!later_loop) GTEST_SKIP() << "needs loop devices: " << why;
  auto rc = station.Wait(180);
  ASSERT_TRUE(rc.has_value()) << "the station did not finish\n" << station.Stderr();
  EXPECT_EQ(*rc, 1) << station.Stderr();  // one stick failed
  std::map<std::string, json> finals;
  for (const auto& e : station.Events()) {
    if (e.value("event", "") == "state" && e.contains("ok"))
      finals[e.value("backing_file", "")] = e;
  }
  ASSERT_EQ(finals.size(), 3u) << station.Stderr();
  const json& f = finals[gone_file];
  EXPECT_EQ(f.value("ok", true), false) << f.dump();
  EXPECT_TRUE(f.value("state", "") == "failed" || f.value("state", "") == "removed") << f.dump();
  ASSERT_TRUE(f["offset"].is_number()) << f.dump();
  EXPECT_GE(f["offset"].get<uint64_t>(), kGoneAfter - (4u << 20)) << f.dump();
  EXPECT_LE(f["offset"].get<uint64_t>(), kImage) << f.dump();
  EXPECT_NE(f.value("error", "").find("byte offset"), std::string::npos) << f.dump();
  EXPECT_EQ(finals[first.string()].value("state", ""), "written") << station.Stderr();
  EXPECT_EQ(finals[later.string()].value("state", ""), "written") << station.Stderr();
}

}  // namespace
}  // namespace mediaforge
