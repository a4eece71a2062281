// `mediaforge bench` end to end: the --json shape of cli-contract.md, the SVG, exit codes 0/1/2
// on image files and on lying device-mapper devices built here over a loop device, and the guard
// and figures on a loop device attached here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

using nlohmann::json;
using testing::LoopDevice;
using testing::ReadWholeFile;
using testing::TempDir;

constexpr uint64_t kMiB = 1 << 20;

struct CliRun {
  int exit_code = -1;
  json out;         // stdout, parsed when it is JSON
  std::string err;  // stderr
};

// Runs `mediaforge bench ARGS` (stdin not a TTY), stdout and stderr kept apart.
CliRun Bench(const TempDir& dir, const std::string& args) {
  std::string out = (dir / "stdout").string(), err = (dir / "stderr").string();
  auto r =
      testing::RunShell(testing::MediaforgeCli() + " bench " + args + " >" + out + " 2>" + err);
  CliRun run;
  run.exit_code = r.exit_code;
  auto text = ReadWholeFile(out);
  auto e = ReadWholeFile(err);
  run.err.assign(e.begin(), e.end());
  run.out = json::parse(text.begin(), text.end(), nullptr, false);
  return run;
}

void ExpectFigures(const json& j) {
  ASSERT_TRUE(j.contains("results")) << j.dump();
  ASSERT_EQ(j["results"].size(), 8u) << j.dump();
  for (const json& r : j["results"]) {
    for (const char* key : {"test", "block_size", "queue_depth", "mb_per_s", "iops"}) {
      EXPECT_TRUE(r.contains(key)) << key << " in " << r.dump();
    }
    EXPECT_GT(r["mb_per_s"].get<double>(), 0) << r.dump();
    EXPECT_GT(r["iops"].get<double>(), 0) << r.dump();
  }
  EXPECT_EQ(j["results"][0]["test"], "seq-write");
  EXPECT_EQ(j["results"][0]["block_size"], 1 << 20);
  EXPECT_EQ(j["results"][7]["test"], "rand-read");
  EXPECT_EQ(j["results"][7]["queue_depth"], 32);
  EXPECT_TRUE(j["io_engine"] == "io_uring" || j["io_engine"] == "threads");
}

TEST(BenchCli, FiguresOnAnImageFileInContractShape) {
  TempDir dir;
  CliRun r = Bench(dir, (dir / "img").string() + " --size 16M --runs 2 --seconds 0.1 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out["target"], (dir / "img").string());
  ExpectFigures(r.out);
  EXPECT_EQ(std::filesystem::file_size(dir / "img"), 16 * kMiB);
}

TEST(BenchCli, FullPassJsonAndPlot) {
  TempDir dir;
  std::string img = (dir / "img").string(), svg = (dir / "speed.svg").string();
  CliRun r = Bench(dir, img + " --size 32M --full --json --plot " + svg);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json& f = r.out["full"];
  EXPECT_EQ(f["declared_bytes"], 32 * kMiB);
  EXPECT_EQ(f["usable_bytes"], 32 * kMiB);
  EXPECT_TRUE(f["bad_regions"].is_array() && f["bad_regions"].empty());
  ASSERT_FALSE(f["samples"].empty());
  for (const json& s : f["samples"]) {
    for (const char* key : {"offset", "write_mb_per_s", "read_mb_per_s"}) {
      EXPECT_TRUE(s.contains(key)) << key;
    }
    EXPECT_GT(s["write_mb_per_s"].get<double>(), 0);
  }
  auto check = testing::Run({"python3", "-c",
                             "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
                             "assert len(d.getElementsByTagName('polyline')) == 2; print('ok')",
                             svg});
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

// A lying device made of real parts: a device-mapper table over a loop device this test
// attached (fake capacity: several linear segments onto the same 16 MiB; a bad region: the
// "error" target). Removed, and the loop device detached, in every exit path.
class MappedDevice {
 public:
  // `table` in dmsetup's format with LOOP standing for the loop device.
  static std::optional<MappedDevice> Create(const TempDir& dir, uint64_t backing_bytes,
                                            std::string table, std::string* why) {
    if (!testing::HaveTool("dmsetup")) {
      *why = "needs dmsetup";
      return std::nullopt;
    }
    testing::WritePatternFile(dir / "backing", backing_bytes, 5);
    auto loop = LoopDevice::Attach(dir / "backing", false, true, why);
    if (!loop) return std::nullopt;
    for (size_t at = table.find("LOOP"); at != std::string::npos; at = table.find("LOOP")) {
      table.replace(at, 4, loop->path());
    }
    std::string name = "mf-bench-test-" + std::to_string(::getpid());
    auto r = testing::RunShell("printf '" + table + "' | dmsetup create " + name);
    if (r.exit_code != 0) {
      *why = "dmsetup create failed: " + r.output;
      return std::nullopt;
    }
    return MappedDevice(std::move(*loop), name);
  }
  MappedDevice(MappedDevice&& o) noexcept : loop_(std::move(o.loop_)), name_(std::move(o.name_)) {
    o.name_.clear();
  }
  ~MappedDevice() {
    if (!name_.empty()) testing::RunShell("dmsetup remove --retry " + name_);
  }
  std::string path() const { return "/dev/mapper/" + name_; }

 private:
  MappedDevice(LoopDevice loop, std::string name)
      : loop_(std::move(loop)), name_(std::move(name)) {}
  LoopDevice loop_;
  std::string name_;
};

TEST(BenchCli, FakeCapacityExitsOneFromFullAndProbe) {
  TempDir dir;
  std::string why;
  // 64 MiB declared, 16 MiB real: every 16 MiB maps onto the same backing bytes.
  auto fake = MappedDevice::Create(dir, 16 * kMiB,
                                   "0 32768 linear LOOP 0\\n32768 32768 linear LOOP 0\\n"
                                   "65536 32768 linear LOOP 0\\n98304 32768 linear LOOP 0\\n",
                                   &why);
  if (!fake) GTEST_SKIP() << why;
  CliRun full = Bench(dir, fake->path() + " --full --yes --force --json");
  ASSERT_EQ(full.exit_code, 1) << full.err;
  EXPECT_EQ(full.out["full"]["usable_bytes"], 16 * kMiB);
  ASSERT_EQ(full.out["full"]["bad_regions"].size(), 1u);
  EXPECT_EQ(full.out["full"]["bad_regions"][0]["kind"], "aliased");
  EXPECT_EQ(full.out["full"]["bad_regions"][0]["offset"], 16 * kMiB);

  CliRun probe = Bench(dir, fake->path() + " --probe --yes --force --json");
  ASSERT_EQ(probe.exit_code, 1) << probe.err;
  EXPECT_TRUE(probe.out["probe"]["fake"].get<bool>());
  EXPECT_LE(probe.out["probe"]["usable_bytes"].get<uint64_t>(), 16 * kMiB);
  EXPECT_GE(probe.out["probe"]["usable_bytes"].get<uint64_t>(), 15 * kMiB);
  EXPECT_TRUE(probe.out["probe"]["restored"].get<bool>());
}

TEST(BenchCli, EioRegionExitsOneWithItsOffset) {
  TempDir dir;
  std::string why;
  // 16 MiB with 8 KiB at 5 MiB that fail every read and write.
  auto bad = MappedDevice::Create(
      dir, 16 * kMiB, "0 10240 linear LOOP 0\\n10240 16 error\\n10256 22512 linear LOOP 10256\\n",
      &why);
  if (!bad) GTEST_SKIP() << why;
  CliRun r = Bench(dir, bad->path() + " --full --yes --force --json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const json& regions = r.out["full"]["bad_regions"];
  ASSERT_EQ(regions.size(), 1u) << regions.dump();
  EXPECT_EQ(regions[0]["offset"], 5 * kMiB);
  EXPECT_EQ(regions[0]["length"], 8192);
  EXPECT_EQ(regions[0]["kind"], "io-error");
  EXPECT_EQ(r.out["full"]["usable_bytes"], 5 * kMiB);
}

TEST(BenchCli, UsageAndIoErrorsExitTwo) {
  TempDir dir;
  std::string img = (dir / "img").string();
  EXPECT_EQ(Bench(dir, img + " --full --probe").exit_code, 2);
  EXPECT_EQ(Bench(dir, img + " --destructive").exit_code, 2);
  EXPECT_EQ(Bench(dir, img + " --size lots").exit_code, 2);
  EXPECT_EQ(Bench(dir, img + " --size 8M --plot x.svg").exit_code, 2);
  EXPECT_EQ(Bench(dir, img + " --full").exit_code, 2);  // empty new file: needs --size
  EXPECT_EQ(Bench(dir, dir.path().string()).exit_code, 2);
  EXPECT_EQ(Bench(dir, "").exit_code, 2);
  // --json: one object on stdout on failure too.
  CliRun usage = Bench(dir, img + " --full --probe --json");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(usage.out["ok"], false) << usage.err;
  EXPECT_TRUE(usage.out["error"].is_string());
}

TEST(BenchCli, LoopDeviceNeedsYesThenMeasures) {
  TempDir dir;
  testing::WritePatternFile(dir / "backing", 32 * kMiB, 3);
  auto before = ReadWholeFile(dir / "backing");
  std::string why;
  auto loop = LoopDevice::Attach(dir / "backing", false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  CliRun refused = Bench(dir, loop->path() + " --probe --json");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_TRUE(ReadWholeFile(dir / "backing") == before);

  CliRun probe = Bench(dir, loop->path() + " --probe --yes --force --json");
  ASSERT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_FALSE(probe.out["probe"]["fake"].get<bool>());
  EXPECT_TRUE(ReadWholeFile(dir / "backing") == before);

  CliRun speed =
      Bench(dir, loop->path() + " --size 16M --runs 1 --seconds 0.1 --yes --force --json");
  ASSERT_EQ(speed.exit_code, 0) << speed.err;
  ExpectFigures(speed.out);
  EXPECT_EQ(speed.out["io_engine"], "io_uring");
  EXPECT_TRUE(speed.out["cache_bypassed"].get<bool>());
}

}  // namespace
}  // namespace mediaforge
