// `mediaforge station` end to end with real loop devices (issue 13). Loop devices are not
// removable, so every run names its own backing files with --force --match; other engineers'
// disks on this machine are never candidates.
//  - three sticks attached while the station runs: imaged and verified, --count 3 ends the run;
//    the database holds one row per stick and --history --json prints them;
//  - --once: a fresh stick written, one already holding the image reported current, one too
//    small refused;
//  - a real mid-write failure: a loop device over a sparse file on a full tmpfs fails with an
//    I/O error at an offset while the sticks beside it complete;
//  - Ctrl-C while a (cgroup-throttled) stick is being written: reported interrupted.
// The fake-capacity stick and a stick pulled out mid-write are FUSE files under loop devices
// (station_fake_test.cc).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "device/sha256.h"
#include "nlohmann/json.hpp"
#include "tests/station/station_background.h"
#include "tests/station/station_cli_support.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {
namespace fs = std::filesystem;
using testing::LoopDevice;
using json = nlohmann::json;
using testing::Background;
using testing::Finals;
using testing::JsonLines;
using testing::LastJson;

constexpr uint64_t kImage = 8ull << 20;

std::vector<std::string> StationArgs(const fs::path& image, const fs::path& dir,
                                     std::vector<std::string> extra) {
  std::vector<std::string> a = {"station",
                                image.string(),
                                "--json",
                                "--yes",
                                "--force",
                                "--match",
                                (dir / "stick-*").string(),
                                "--db",
                                (dir / "station.sqlite").string(),
                                "--poll-ms",
                                "100"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

bool HoldsImage(const fs::path& image, const fs::path& disk) {
  auto a = testing::ReadWholeFile(image);
  auto b = testing::ReadWholeFile(disk);
  return b.size() >= a.size() && std::equal(a.begin(), a.end(), b.begin());
}

struct Sticks {
  testing::TempDir dir;
  fs::path image = dir / "image.img";
  Sticks() { testing::WritePatternFile(image, kImage, 42); }
  fs::path Stick(const std::string& name, uint64_t size = 16ull << 20) {
    fs::path p = dir / ("stick-" + name + ".img");
    testing::WritePatternFile(p, size, 5);
    return p;
  }
};

TEST(StationCli, ThreeSticksArriveAndAreRecorded) {
  Sticks s;
  std::vector<fs::path> files = {s.Stick("a"), s.Stick("b"), s.Stick("c")};
  Background station(StationArgs(s.image, s.dir.path(), {"--count", "3", "--operator", "tester"}),
                     s.dir / "out.jsonl");
  ASSERT_TRUE(station.WaitEvent([](const json& e) { return e.value("event", "") == "start"; }, 60))
      << station.Stderr();
  std::vector<std::optional<LoopDevice>> loops;
  for (const auto& f : files) {
    std::string why;
    loops.push_back(LoopDevice::Attach(f, false, false, &why));
    if (!loops.back()) GTEST_SKIP() << "needs loop devices: " << why;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  auto rc = station.Wait(240);
  ASSERT_TRUE(rc.has_value()) << "station did not stop after --count 3\n" << station.Stderr();
  EXPECT_EQ(*rc, 0) << station.Stderr();
  auto events = station.Events();
  auto finals = Finals(events);
  ASSERT_EQ(finals.size(), 3u) << station.Stderr();
  for (const auto& f : files) {
    const json& e = finals[f.string()];
    EXPECT_EQ(e.value("state", ""), "written") << e.dump();
    EXPECT_EQ(e.value("bytes", 0ull), kImage);
    EXPECT_EQ(e.value("probed_bytes", 0ull), 16ull << 20);
    EXPECT_TRUE(HoldsImage(s.image, f)) << f;
  }
  // One event per state change, never garbage: every line parsed, the summary last.
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().value("event", ""), "summary");
  EXPECT_EQ(events.back()["results"].value("written", 0), 3);
  EXPECT_TRUE(events.back().value("ok", false));

  auto history = testing::RunMediaforge(
      {"station", "--history", "--json", "--db", (s.dir / "station.sqlite").string()});
  ASSERT_EQ(history.exit_code, 0) << history.output;
  json h = LastJson(history.output);
  ASSERT_EQ(h["records"].size(), 3u) << h.dump();
  auto img = testing::ReadWholeFile(s.image);
  std::string sha = device::Sha256Hex(std::as_bytes(std::span(img.data(), img.size())));
  for (const auto& r : h["records"]) {
    EXPECT_EQ(r["operator"], "tester");
    EXPECT_EQ(r["result"], "written");
    EXPECT_EQ(r["image"], s.image.string());
    EXPECT_EQ(r["image_sha256"], sha);
    EXPECT_EQ(r["bytes"], kImage);
    EXPECT_EQ(r["declared_bytes"], 16ull << 20);
    EXPECT_EQ(r["probed_bytes"], 16ull << 20);
    EXPECT_TRUE(r["error"].is_null());
    EXPECT_GT(r["mb_per_s"].get<double>(), 0);
    EXPECT_NE(std::find(files.begin(), files.end(), fs::path(r["serial"].get<std::string>())),
              files.end())
        << "a loop device's serial is its backing file: " << r.dump();
  }
  auto one =
      testing::RunMediaforge({"station", "--history", "--json", "--serial", files[1].string(),
                              "--db", (s.dir / "station.sqlite").string()});
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_EQ(LastJson(one.output)["records"].size(), 1u);
  auto future = testing::RunMediaforge({"station", "--history", "--csv", "--since", "2999-01-01",
                                        "--db", (s.dir / "station.sqlite").string()});
  ASSERT_EQ(future.exit_code, 0) << future.output;
  EXPECT_EQ(future.output.find("written"), std::string::npos) << future.output;
}

TEST(StationCli, OnceWritesCurrentAndRefused) {
  Sticks s;
  fs::path fresh = s.Stick("fresh"), current = s.Stick("current"),
           small = s.Stick("small", 4 << 20);
  {
    auto img = testing::ReadWholeFile(s.image);
    std::fstream f(current, std::ios::in | std::ios::out | std::ios::binary);
    f.write(img.data(), img.size());
  }
  ATTACH(l1, fresh);
  ATTACH(l2, current);
  ATTACH(l3, small);
  auto r = testing::RunMediaforge(StationArgs(s.image, s.dir.path(), {"--once"}), 240);
  EXPECT_EQ(r.exit_code, 1) << r.output;  // one refused
  std::vector<json> events = JsonLines(r.output);
  auto finals = Finals(events);
  ASSERT_EQ(finals.size(), 3u) << r.output;
  EXPECT_EQ(finals[fresh.string()].value("state", ""), "written") << r.output;
  EXPECT_EQ(finals[current.string()].value("state", ""), "current") << r.output;
  EXPECT_EQ(finals[current.string()].value("bytes", 1ull), 0u);
  EXPECT_EQ(finals[small.string()].value("state", ""), "refused") << r.output;
  EXPECT_TRUE(HoldsImage(s.image, fresh));
  EXPECT_FALSE(HoldsImage(s.image, small));
}

// A stick holding an older release of the image (a few regions differ) gets only those
// blocks written; the event and the record say how many bytes were written and skipped.
TEST(StationCli, StaleStickGetsADeltaWriteRecorded) {
  Sticks s;
  fs::path stale = s.Stick("stale");
  {
    auto img = testing::ReadWholeFile(s.image);
    for (uint64_t at : {uint64_t{3} << 20, uint64_t{6} << 20}) {
      for (uint64_t j = 0; j < 8192; ++j) img[at + j] = static_cast<char>(img[at + j] ^ 0x5a);
    }
    std::fstream f(stale, std::ios::in | std::ios::out | std::ios::binary);
    f.write(img.data(), img.size());
  }
  ATTACH(loop, stale);
  auto r = testing::RunMediaforge(StationArgs(s.image, s.dir.path(), {"--once"}), 240);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<json> events = JsonLines(r.output);
  const json e = Finals(events)[stale.string()];
  EXPECT_EQ(e.value("state", ""), "written") << r.output;
  EXPECT_TRUE(e.value("delta", false)) << e.dump();
  EXPECT_EQ(e.value("bytes", 0ull), 2u * 8192) << e.dump();
  EXPECT_EQ(e.value("bytes_skipped", 0ull), kImage - 2u * 8192) << e.dump();
  EXPECT_TRUE(HoldsImage(s.image, stale));
  auto history = testing::RunMediaforge(
      {"station", "--history", "--json", "--db", (s.dir / "station.sqlite").string()});
  ASSERT_EQ(history.exit_code, 0) << history.output;
  json h = LastJson(history.output);
  ASSERT_EQ(h["records"].size(), 1u) << h.dump();
  EXPECT_EQ(h["records"][0]["delta"], true);
  EXPECT_EQ(h["records"][0]["bytes"], 2u * 8192);
  EXPECT_EQ(h["records"][0]["bytes_skipped"], kImage - 2u * 8192);
}

// Unmounts on every exit path.
struct TmpfsMount {
  fs::path dir;
  bool ok = false;
  TmpfsMount(fs::path d, const std::string& size) : dir(std::move(d)) {
    fs::create_directories(dir);
    ok = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~TmpfsMount() {
    if (ok) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

TEST(StationCli, MidWriteIoErrorReportedWhileOthersComplete) {
  Sticks s;
  fs::path a = s.Stick("a"), b = s.Stick("b");
  TmpfsMount full(s.dir / "tiny", "5M");
  if (!full.ok) GTEST_SKIP() << "needs to mount a tmpfs (root)";
  fs::path bad = full.dir / "stick-bad.img";
  { std::ofstream(bad).close(); }
  fs::resize_file(bad, 16 << 20);  // sparse: 16 MiB declared, 5 MiB of memory behind it
  ATTACH(la, a);
  ATTACH(lbad, bad);
  ATTACH(lb, b);
  std::vector<std::string> args = StationArgs(s.image, s.dir.path(), {"--once"});
  args.push_back("--match");
  args.push_back(bad.string());
  auto r = testing::RunMediaforge(args, 240);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::vector<json> events = JsonLines(r.output);
  auto finals = Finals(events);
  ASSERT_EQ(finals.size(), 3u) << r.output;
  EXPECT_EQ(finals[a.string()].value("state", ""), "written") << r.output;
  EXPECT_EQ(finals[b.string()].value("state", ""), "written") << r.output;
  const json& f = finals[bad.string()];
  EXPECT_EQ(f.value("state", ""), "failed") << r.output;
  ASSERT_TRUE(f["offset"].is_number()) << f.dump();
  EXPECT_LE(f["offset"].get<uint64_t>(), 5ull << 20) << f.dump();
  EXPECT_FALSE(f["error"].is_null());
  EXPECT_TRUE(HoldsImage(s.image, a));
  EXPECT_TRUE(HoldsImage(s.image, b));
}

TEST(StationCli, CtrlCReportsTheStickInFlightAsInterrupted) {
  Sticks s;
  fs::path slow = s.Stick("slow", 64 << 20);
  testing::WritePatternFile(s.image, 48 << 20, 42);
  const std::string cg = "/sys/fs/cgroup/blkio/mf-station-test-" + std::to_string(getpid());
  if (!fs::create_directory(cg)) GTEST_SKIP() << "needs a blkio cgroup to slow a stick down";
  struct RemoveCgroup {
    std::string path;
    ~RemoveCgroup() { ::rmdir(path.c_str()); }
  } cleanup{cg};
  ATTACH(loop, slow);
  struct stat st;
  ASSERT_EQ(::stat(loop->path().c_str(), &st), 0);
  std::ofstream(cg + "/blkio.throttle.write_bps_device")
      << major(st.st_rdev) << ":" << minor(st.st_rdev) << " " << (4 << 20) << std::endl;
  {
    Background station(StationArgs(s.image, s.dir.path(), {"--no-probe"}), s.dir / "out.jsonl", cg);
    ASSERT_TRUE(
        station.WaitEvent([](const json& e) { return e.value("state", "") == "writing"; }, 120))
        << station.Stderr();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    station.Signal(SIGINT);
    auto rc = station.Wait(120);
    ASSERT_TRUE(rc.has_value());
    EXPECT_EQ(*rc, 130) << station.Stderr();  // 128 + SIGINT (docs/RELIABILITY.md, "Signals")
    auto finals = Finals(station.Events());
    EXPECT_EQ(finals[slow.string()].value("state", ""), "interrupted") << station.Stderr();
    auto events = station.Events();
    ASSERT_FALSE(events.empty());
    EXPECT_TRUE(events.back().value("interrupted", false));
  }
}

TEST(StationCli, RefusesWithoutYesOffATerminalAndAMissingSpec) {
  Sticks s;
  auto r = testing::RunMediaforge({"station", s.image.string(), "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  auto spec = testing::RunMediaforge({"station", "--spec", "x.json", "--yes"});
  EXPECT_EQ(spec.exit_code, 2) << spec.output;
  EXPECT_NE(spec.output.find("x.json"), std::string::npos) << spec.output;
  auto force = testing::RunMediaforge({"station", s.image.string(), "--yes", "--force"});
  EXPECT_EQ(force.exit_code, 2) << force.output;
}

}  // namespace
}  // namespace mediaforge
