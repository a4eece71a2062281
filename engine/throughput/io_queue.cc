#include "engine/throughput/io_queue.h"

#include "absl/strings/str_cat.h"
#include "engine/throughput/io_backends.h"

namespace mediaforge::engine::throughput {

const char* IoEngineName(IoEngine engine) {
  return engine == IoEngine::kIoUring ? "io_uring" : "threads";
}

absl::StatusOr<IoQueueChoice> OpenIoQueue(device::Target& target, int depth,
                                          IoEnginePreference preference) {
  if (depth < 1) return absl::InvalidArgumentError(absl::StrCat("queue depth ", depth, " < 1"));
  IoQueueChoice choice;
  if (preference == IoEnginePreference::kThreads) {
    choice.fallback_reason = "threads asked for";
  } else if (target.native_fd() < 0) {
    choice.fallback_reason = "target has no native descriptor";
  } else {
    auto ring = MakeUringQueue(target.native_fd(), target.path(), depth);
    if (ring.ok()) {
      choice.queue = std::move(*ring);
      return choice;
    }
    choice.fallback_reason = std::string(ring.status().message());
  }
  choice.queue = MakeThreadQueue(target, depth);
  return choice;
}

absl::Status Pump(IoQueue& queue, const NextOp& next, const OnDone& done,
                  const std::atomic<bool>* cancel) {
  auto cancelled = [cancel] { return cancel != nullptr && cancel->load(); };
  absl::Status first_error;
  bool exhausted = false;
  int in_flight = 0;
  auto issue = [&](int slot) {
    if (exhausted || !first_error.ok() || cancelled()) return;
    std::optional<IoOp> op = next(slot);
    if (!op) {
      exhausted = true;
      return;
    }
    if (absl::Status s = queue.Submit(slot, *op); !s.ok()) {
      first_error = s;
      return;
    }
    ++in_flight;
  };
  for (int slot = 0; slot < queue.depth(); ++slot) issue(slot);
  while (in_flight > 0) {
    absl::StatusOr<IoDone> d = queue.Reap();
    if (!d.ok()) return d.status();  // the queue itself broke; its destructor drains
    --in_flight;
    if (first_error.ok()) {
      if (absl::Status s = done(*d); !s.ok()) first_error = s;
    }
    issue(d->slot);
  }
  return first_error;
}

}  // namespace mediaforge::engine::throughput
