// Per-stage profile of one streaming run (write, verify), for finding where time above the
// physical floor goes on a noisy machine: for each stage (source reads, target writes, target
// reads, waits for a free buffer, writers waiting for work, the in-order hash) how many operations,
// their summed time, the most in flight at once, and the time with at least one in flight (wall
// time minus that is the stage's idle gap). Off unless the environment variable
// MEDIAFORGE_STAGE_TRACE names a file; then one line per run (with its Unix start time, to place
// it within the command) is appended to it when the trace is destroyed. Counting costs a mutex
// per 4 MiB block, nothing when off.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace mediaforge::engine {

// kHash: the in-order SHA-256 (one thread) and the observer (on the fill workers); both hold
// the buffer until done.
enum class Stage {
  kSourceRead,
  kTargetWrite,
  kTargetRead,
  kBufferWait,
  kWriterIdle,
  kHash,
  kCount
};

class StageTrace {
 public:
  using Clock = std::chrono::steady_clock;
  explicit StageTrace(std::string what);
  ~StageTrace();
  StageTrace(const StageTrace&) = delete;
  StageTrace& operator=(const StageTrace&) = delete;
  bool enabled() const { return !file_.empty(); }

  // RAII: one operation of `stage` in flight from construction to destruction.
  class Op {
   public:
    Op(StageTrace& trace, Stage stage);
    ~Op();
    Op(const Op&) = delete;
    Op& operator=(const Op&) = delete;

   private:
    StageTrace& trace_;
    Stage stage_;
    Clock::time_point start_;
  };

 private:
  struct Counters {
    uint64_t ops = 0;
    double op_seconds = 0;
    int in_flight = 0;
    int max_in_flight = 0;
    Clock::time_point busy_since;
    double busy_seconds = 0;
  };
  void Begin(Stage stage, Clock::time_point now);
  void End(Stage stage, Clock::time_point start, Clock::time_point now);

  const std::string what_;
  const std::string file_;
  const Clock::time_point t0_;
  const double started_;  // Unix time: where the run began within the command (profiles)
  std::mutex mu_;
  std::array<Counters, static_cast<size_t>(Stage::kCount)> counters_;
};

}  // namespace mediaforge::engine
