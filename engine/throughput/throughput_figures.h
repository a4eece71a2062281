// The throughput figures of `mediaforge bench`: sequential 1 MiB and random 4 KiB writes and
// reads at queue depths 1 and 8 / 1 and 32, each repeated and reported with its spread, over the
// first `size` bytes of a target, with the page cache bypassed (O_DIRECT; else dropped).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "engine/throughput/io_queue.h"

namespace mediaforge::engine::throughput {

struct SpeedTestSpec {
  std::string test;  // "seq-write", "seq-read", "rand-write", "rand-read"
  bool write = false;
  bool random = false;
  size_t block_size = 0;
  int queue_depth = 1;
};

// seq-write 1M QD1/QD8, seq-read 1M QD1/QD8, rand-write 4K QD1/QD32, rand-read 4K QD1/QD32, in
// the order they run (writes first, so reads find written blocks).
std::vector<SpeedTestSpec> DefaultSpeedTests();

struct SpeedOptions {
  uint64_t size = 1ull << 30;  // bytes from offset 0 (capped to the target)
  int runs = 3;
  // A sequential run ends after `size` bytes or this many seconds (0: no limit).
  double seq_seconds_max = 10;
  // Each random run lasts this long.
  double random_seconds = 3;
  uint64_t seed = 1;  // random offsets and write data
  IoEnginePreference engine = IoEnginePreference::kAuto;
  std::vector<SpeedTestSpec> tests = DefaultSpeedTests();
  // Called before each run (run counts from 1).
  std::function<void(const SpeedTestSpec& spec, int run, int runs)> progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct RunResult {
  uint64_t bytes = 0;
  uint64_t ops = 0;
  double seconds = 0;  // including the flush that ends a write run
  double mb_per_s() const { return seconds > 0 ? bytes / seconds / 1e6 : 0; }
  double iops() const { return seconds > 0 ? ops / seconds : 0; }
};

struct Figure {
  SpeedTestSpec spec;
  std::vector<RunResult> runs;
  double mean_mb_per_s = 0, min_mb_per_s = 0, max_mb_per_s = 0, stddev_mb_per_s = 0;
  double mean_iops = 0;
};

struct SpeedReport {
  IoEngine engine = IoEngine::kThreads;
  std::string engine_note;  // why threads, when io_uring was not used
  bool cache_bypassed = true;
  std::string cache_note;  // how reads avoided the page cache when O_DIRECT was refused
  uint64_t size = 0;       // bytes of the target the tests covered
  std::vector<Figure> figures;
  bool cancelled = false;
};

absl::StatusOr<SpeedReport> RunSpeedTests(device::Target& target, const SpeedOptions& options);

// Mean, extremes and standard deviation of the runs' MB/s, and the mean IOPS.
void Summarize(Figure& figure);

}  // namespace mediaforge::engine::throughput
