// One stick's job on loop devices standing in for sticks (tests/station): an image file, sticks
// made of loop devices over files this test creates, fault injection through the library API.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/image_source.h"
#include "engine/station/stick_job.h"
#include "tests/support/faulty_target.h"
#include "tests/support/test_support.h"

namespace mediaforge::engine::station {

inline constexpr uint64_t kImage = 12ull << 20;
inline constexpr uint64_t kDisk = 32ull << 20;

struct Fixture {
  testing::TempDir dir;
  std::string image = (dir / "image.img").string();
  ImageSource source;
  Fixture() {
    testing::WritePatternFile(image, kImage, 7);
    source = *OpenImageSource(image);
  }
  // A loop device over a fresh file NAME; the file's path is returned (its content is what the
  // stick holds), `info` describes the device.
  std::vector<testing::LoopDevice> loops;
  std::map<std::string, device::BlockInfo> infos;
  std::string why;
  bool Disk(const std::string& name, std::string* file) {
    std::string p = (dir / name).string();
    testing::WritePatternFile(p, kDisk, 99);
    auto loop = testing::LoopDevice::Attach(p, false, false, &why);
    if (!loop) return false;
    device::BlockInfo d;
    d.path = loop->path();
    d.size = kDisk;
    infos[p] = d;
    loops.push_back(std::move(*loop));
    *file = p;
    return true;
  }
  LayoutMaker Maker() const {
    return [this] { return source.MakeLayout(); };
  }
};

inline TargetWrapper Faulty(device::FaultPlan plan) {
  return [plan](std::unique_ptr<device::Target> t) -> std::unique_ptr<device::Target> {
    return std::make_unique<device::FaultyTarget>(std::move(t), plan);
  };
}

inline bool ImageOnDisk(const Fixture& f, const std::string& disk) {
  auto img = testing::ReadWholeFile(f.image);
  auto d = testing::ReadWholeFile(disk);
  return d.size() >= img.size() && std::equal(img.begin(), img.end(), d.begin());
}

// Three sticks written at once, each on its own thread with `options(i)`: the middle one is
// the one a test breaks, the outer two must not notice.
struct SideBySide {
  std::vector<std::string> disks = std::vector<std::string>(3);
  std::vector<StickResult> results = std::vector<StickResult>(3);
};
// nullopt (f.why says why) when there are no loop devices here.
inline std::optional<SideBySide> RunThreeSticks(
    Fixture& f, const std::function<StickJobOptions(int)>& options) {
  SideBySide run;
  for (int i = 0; i < 3; ++i) {
    if (!f.Disk(absl::StrCat("stick", i, ".img"), &run.disks[i])) return std::nullopt;
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      run.results[i] = RunStickJob(f.infos[run.disks[i]], f.Maker(), options(i), nullptr);
    });
  }
  for (auto& t : threads) t.join();
  return run;
}
// The outer two sticks were written whole.
inline void ExpectNeighboursWritten(const Fixture& f, const SideBySide& run) {
  for (int i : {0, 2}) {
    EXPECT_EQ(run.results[i].state, StickState::kWritten) << run.results[i].error;
    EXPECT_TRUE(ImageOnDisk(f, run.disks[i])) << i;
  }
}

}  // namespace mediaforge::engine::station
