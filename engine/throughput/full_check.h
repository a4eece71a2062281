// The --full pass: fills the whole target with offset-keyed units (keyed_block.h), reads it all
// back, and reports the usable capacity, every bad region, and write/read speed over the offset.
//
// Fake-capacity drives wrap: a write past the real capacity lands on earlier storage, so after a
// plain fill-then-read the start of the drive holds data written for the end. To tell where the
// wrap begins, the fill re-reads a few earlier units (sentinels: offset 0 and a geometric set of
// earlier segments) after every segment; the first write seen to land on earlier storage marks
// `aliasing_from`, and everything from there on is reported aliased. Earlier units that merely
// hold data written for offsets >= aliasing_from are counted as `overwritten_bytes`, not as bad.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "engine/throughput/bad_regions.h"
#include "engine/throughput/io_queue.h"

namespace mediaforge::engine::throughput {

struct FullProgress {
  bool reading = false;  // false: filling
  uint64_t done = 0;     // bytes written plus bytes read so far
  uint64_t total = 0;    // twice the declared size
};

struct FullOptions {
  size_t chunk = 1 << 20;  // bytes per I/O
  int queue_depth = 8;
  int samples = 128;  // speed samples over the offset (segments)
  uint64_t seed = 0;  // 0: a fresh random seed
  IoEnginePreference engine = IoEnginePreference::kAuto;
  std::function<void(const FullProgress&)> progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct SpeedSample {
  uint64_t offset = 0;
  uint64_t length = 0;
  double write_mb_per_s = 0;
  double read_mb_per_s = 0;
};

struct FullReport {
  uint64_t declared_bytes = 0;  // what the target claims (size())
  uint64_t usable_bytes = 0;    // from offset 0 up to the first bad region
  uint64_t good_bytes = 0;      // units that read back exactly what was written for them
  uint64_t overwritten_bytes = 0;
  std::optional<uint64_t> first_bad_offset;
  std::optional<uint64_t> aliasing_from;
  std::vector<BadRegion> bad_regions;
  std::vector<SpeedSample> samples;
  double write_seconds = 0;  // fill including the final flush
  double read_seconds = 0;
  uint64_t seed = 0;
  IoEngine engine = IoEngine::kThreads;
  std::string engine_note;
  bool cancelled = false;
  bool ok() const { return !cancelled && bad_regions.empty(); }
};

absl::StatusOr<FullReport> RunFullCheck(device::Target& target, const FullOptions& options);

}  // namespace mediaforge::engine::throughput
