// A queue of positioned reads and writes with real depth: up to depth() operations in flight on
// one target. io_uring (liburing) drives targets that expose a descriptor; anything else (a
// FaultyTarget, or a kernel that refuses io_uring) gets one thread per outstanding operation
// calling Target::WriteAt/ReadAt. The benchmark, the --full pass and its tests all run on this.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "device/target.h"

namespace mediaforge::engine::throughput {

enum class IoEngine { kIoUring, kThreads };
// "io_uring" or "threads", as --json reports it.
const char* IoEngineName(IoEngine engine);

enum class IoEnginePreference { kAuto, kThreads };

struct IoOp {
  bool write = false;
  std::byte* data = nullptr;  // aligned for the target (AlignedBuffer), length bytes
  size_t length = 0;
  uint64_t offset = 0;
};

struct IoDone {
  int slot = 0;
  uint64_t offset = 0;  // where the operation started
  // OK when every byte moved; otherwise names the path and the byte offset that failed.
  absl::Status status;
};

// A queue is driven from the thread that opened it (the io_uring ring is single-issuer).
class IoQueue {
 public:
  virtual ~IoQueue() = default;
  virtual IoEngine engine() const = 0;
  virtual int depth() const = 0;
  // Starts `op` in `slot` (0 <= slot < depth(), and idle). The operation may only be queued
  // until the next Reap(); `op.data` must stay valid until its completion is reaped.
  virtual absl::Status Submit(int slot, const IoOp& op) = 0;
  // Waits for the next finished operation (in completion order). Short transfers are resumed
  // inside the queue; a zero-byte transfer is an error.
  virtual absl::StatusOr<IoDone> Reap() = 0;
};

struct IoQueueChoice {
  std::unique_ptr<IoQueue> queue;
  // Why the thread path was taken when io_uring was not (empty otherwise).
  std::string fallback_reason;
};

// io_uring when the target has a native descriptor and the kernel lets us set up a ring,
// threads otherwise (or when asked).
absl::StatusOr<IoQueueChoice> OpenIoQueue(device::Target& target, int depth,
                                          IoEnginePreference preference);

// Keeps the queue full: `next(slot)` gives the operation for an idle slot (nullopt: no more
// work), `done` sees every completion. Stops issuing at the first error `done` returns or when
// `cancel` is set, drains what is in flight, and returns that error.
using NextOp = std::function<std::optional<IoOp>(int slot)>;
using OnDone = std::function<absl::Status(const IoDone&)>;
absl::Status Pump(IoQueue& queue, const NextOp& next, const OnDone& done,
                  const std::atomic<bool>* cancel);

}  // namespace mediaforge::engine::throughput
