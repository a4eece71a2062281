#include "engine/throughput/throughput_figures.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "device/aligned_buffer.h"
#include "engine/throughput/keyed_block.h"

namespace mediaforge::engine::throughput {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct RunPlan {
  const SpeedTestSpec* spec;
  size_t block_size;
  uint64_t extent;       // offsets stay below this
  double seconds_limit;  // 0: none
};

// One timed run: keeps queue_depth operations in flight until the extent is covered
// (sequential) or the time is up (random), then flushes after writes.
absl::StatusOr<RunResult> RunOnce(device::Target& target, IoQueue& queue,
                                  std::vector<device::AlignedBuffer>& buffers, const RunPlan& plan,
                                  std::mt19937_64& rng, const std::atomic<bool>* cancel) {
  const uint64_t blocks = plan.extent / plan.block_size;
  const bool random = plan.spec->random;
  const bool write = plan.spec->write;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(plan.seconds_limit));
  uint64_t next_block = 0;
  RunResult result;
  NextOp next = [&](int slot) -> std::optional<IoOp> {
    if (!random && next_block >= blocks) return std::nullopt;
    if (plan.seconds_limit > 0 && Clock::now() >= deadline) return std::nullopt;
    uint64_t block = random ? rng() % blocks : next_block++;
    return IoOp{write, buffers[slot].data(), plan.block_size, block * plan.block_size};
  };
  OnDone done = [&](const IoDone& d) -> absl::Status {
    if (!d.status.ok()) return d.status;
    ++result.ops;
    result.bytes += plan.block_size;
    return absl::OkStatus();
  };
  if (absl::Status s = Pump(queue, next, done, cancel); !s.ok()) return s;
  if (write) {
    if (absl::Status s = target.Flush(); !s.ok()) return s;
  }
  result.seconds = SecondsSince(start);
  return result;
}

}  // namespace

std::vector<SpeedTestSpec> DefaultSpeedTests() {
  constexpr size_t kSeq = 1 << 20, kRand = 4096;
  return {
      {"seq-write", true, false, kSeq, 1},  {"seq-write", true, false, kSeq, 8},
      {"seq-read", false, false, kSeq, 1},  {"seq-read", false, false, kSeq, 8},
      {"rand-write", true, true, kRand, 1}, {"rand-write", true, true, kRand, 32},
      {"rand-read", false, true, kRand, 1}, {"rand-read", false, true, kRand, 32},
  };
}

void Summarize(Figure& figure) {
  if (figure.runs.empty()) return;
  double sum = 0, iops = 0, lo = figure.runs[0].mb_per_s(), hi = lo;
  for (const RunResult& r : figure.runs) {
    sum += r.mb_per_s();
    iops += r.iops();
    lo = std::min(lo, r.mb_per_s());
    hi = std::max(hi, r.mb_per_s());
  }
  const double n = static_cast<double>(figure.runs.size());
  figure.mean_mb_per_s = sum / n;
  figure.mean_iops = iops / n;
  figure.min_mb_per_s = lo;
  figure.max_mb_per_s = hi;
  double var = 0;
  for (const RunResult& r : figure.runs) {
    var += (r.mb_per_s() - figure.mean_mb_per_s) * (r.mb_per_s() - figure.mean_mb_per_s);
  }
  figure.stddev_mb_per_s = std::sqrt(var / n);
}

absl::StatusOr<SpeedReport> RunSpeedTests(device::Target& target, const SpeedOptions& options) {
  const uint64_t align = std::max<uint64_t>(target.alignment(), device::kDirectIoAlignment);
  const uint64_t size = std::min(options.size, target.size()) / (1 << 20) * (1 << 20);
  if (size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(target.path(), ": needs at least 1 MiB to measure (target holds ",
                     target.size(), " bytes, asked for ", options.size, ")"));
  }
  SpeedReport report;
  report.size = size;
  report.cache_bypassed = target.direct();
  if (!target.direct()) {
    report.cache_note = "O_DIRECT refused by the file system; page cache dropped before each read";
  }
  std::mt19937_64 rng(options.seed);
  uint64_t written = 0;  // reads stay within what the sequential writes covered
  bool engine_known = false;
  for (const SpeedTestSpec& spec : options.tests) {
    const size_t block = static_cast<size_t>(std::max<uint64_t>(spec.block_size, align));
    std::vector<device::AlignedBuffer> buffers;
    for (int i = 0; i < spec.queue_depth; ++i) {
      buffers.emplace_back(block);
      FillKeyed(buffers.back().span(), options.seed + i, 0);
    }
    auto choice = OpenIoQueue(target, spec.queue_depth, options.engine);
    if (!choice.ok()) return choice.status();
    if (!engine_known) {
      report.engine = choice->queue->engine();
      report.engine_note = choice->fallback_reason;
      engine_known = true;
    }
    Figure figure;
    figure.spec = spec;
    figure.spec.block_size = block;
    RunPlan plan{&spec, block, written > 0 ? written : size,
                 spec.random ? options.random_seconds : options.seq_seconds_max};
    for (int run = 1; run <= options.runs; ++run) {
      if (options.cancel != nullptr && options.cancel->load()) {
        report.cancelled = true;
        return report;
      }
      if (options.progress) options.progress(spec, run, options.runs);
      if (!spec.write && !target.direct()) {
        if (absl::Status s = target.DropCache(); !s.ok()) return s;
      }
      auto result = RunOnce(target, *choice->queue, buffers, plan, rng, options.cancel);
      if (!result.ok()) return result.status();
      if (options.cancel != nullptr && options.cancel->load()) {
        report.cancelled = true;  // the run was cut short: not a figure
        return report;
      }
      if (spec.write && !spec.random) written = std::max(written, result->bytes);
      figure.runs.push_back(*result);
    }
    Summarize(figure);
    report.figures.push_back(std::move(figure));
  }
  return report;
}

}  // namespace mediaforge::engine::throughput
