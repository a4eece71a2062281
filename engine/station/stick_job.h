// One stick at the duplicator station (issue 13), start to finish, on the caller's thread:
//   guard (device/guard.h) -> quick non-destructive fake-capacity probe (throughput/probe.h) ->
//   what does it hold? (stick_content.h: the image, an earlier copy, something else) ->
//   write (a delta write for an earlier copy: only the differing pages) -> read-back verify.
// Every stick runs its own job; a failure is this stick's result (with the byte offset where
// known) and never touches another job. Progress and state changes are reported through a
// callback from the job's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "device/block_info.h"
#include "device/guard.h"
#include "device/target.h"
#include "engine/layout.h"

namespace mediaforge::engine::station {

enum class StickState {
  kDetected,
  kChecking,   // the guard
  kProbing,    // fake-capacity probe
  kComparing,  // does it already hold the image?
  kWriting,
  kVerifying,
  // Final states:
  kWritten,      // written and verified
  kCurrent,      // already held the image; nothing written
  kFailed,       // I/O error, verify mismatch
  kFake,         // the probe found less storage than declared; nothing written
  kRefused,      // the guard said no; nothing written
  kInterrupted,  // cancelled mid-way
  kRemoved,      // pulled out mid-way (the watcher saw it leave, or I/O said ENODEV/ENXIO)
};
const char* StickStateName(StickState s);
bool IsFinal(StickState s);

struct StickUpdate {
  StickState state = StickState::kDetected;
  uint64_t bytes_done = 0;  // within the current phase
  uint64_t bytes_total = 0;
};
// Called from the job's thread: at each state change and a few times a second with progress.
using StickUpdateFn = std::function<void(const StickUpdate&)>;

// Wraps the opened disk (tests: a device::FaultyTarget injecting faults); empty: none.
using TargetWrapper =
    std::function<std::unique_ptr<device::Target>(std::unique_ptr<device::Target>)>;
// A fresh layout of the image for each pass (a compressed image is a one-pass stream).
using LayoutMaker = std::function<absl::StatusOr<Layout>()>;

// When a stick that does not hold the image yet gets a delta write (CopyOptions::delta: each
// block read first, only the differing 4 KiB pages written).
enum class DeltaPolicy {
  kEarlierCopy,  // when the stick holds an earlier copy of the image (default)
  kAlways,       // every stick
  kNever,        // every stick is written in full
};

struct StickJobOptions {
  uint64_t image_bytes = 0;  // layout size: the guard refuses smaller disks
  bool force = false;        // the guard's "non-removable / over 2 TiB allowed"
  bool probe = true;
  uint64_t probe_group = 1 << 20;
  bool check_current = true;  // look at what the stick holds first (stick_content.h)
  DeltaPolicy delta = DeltaPolicy::kEarlierCopy;
  // Memory per stick is about block_size * (buffers + 4): small enough for 8 sticks in flight
  // within 128 MiB, large enough for USB sticks' erase blocks.
  size_t block_size = 2u << 20;
  int buffers = 4;
  TargetWrapper wrap;  // applied to the disk as opened (engine::DestinationOptions::wrap)
  const std::atomic<bool>* cancel = nullptr;
  const std::atomic<bool>* removed = nullptr;  // set by the watcher when the disk leaves
};

struct StickResult {
  StickState state = StickState::kFailed;
  uint64_t declared_bytes = 0;
  std::optional<uint64_t> probed_bytes;
  uint64_t bytes_written = 0;
  // A delta write: the image's bytes compared on the stick; those not rewritten were skipped.
  bool delta = false;
  uint64_t bytes_compared = 0;
  uint64_t bytes_skipped() const {
    return bytes_compared > bytes_written ? bytes_compared - bytes_written : 0;
  }
  double seconds = 0;        // the whole job
  double write_seconds = 0;  // write + verify
  double mb_per_s() const { return write_seconds > 0 ? bytes_written / write_seconds / 1e6 : 0; }
  std::string error;
  std::optional<uint64_t> error_offset;
  bool ok() const { return state == StickState::kWritten || state == StickState::kCurrent; }
};

StickResult RunStickJob(const device::BlockInfo& disk, const LayoutMaker& make_layout,
                        const StickJobOptions& options, const StickUpdateFn& update);

}  // namespace mediaforge::engine::station
