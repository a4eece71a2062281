// IoQueue without io_uring: one worker thread per slot, each doing a blocking WriteFully or
// ReadFully through the Target (so FaultyTarget's faults apply). Depth 1 runs inline.
#include <deque>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/throughput/io_backends.h"
#include "engine/work_queue.h"

namespace mediaforge::engine::throughput {
namespace {

absl::Status RunOp(device::Target& target, const IoOp& op) {
  if (op.write) return device::WriteFully(target, {op.data, op.length}, op.offset);
  return device::ReadFully(target, {op.data, op.length}, op.offset);
}

class ThreadQueue final : public IoQueue {
 public:
  ThreadQueue(device::Target& target, int depth) : target_(target), depth_(depth) {
    if (depth_ == 1) return;
    for (int i = 0; i < depth_; ++i) workers_.emplace_back([this] { Work(); });
  }
  ~ThreadQueue() override {
    jobs_.Close();
    for (std::thread& w : workers_) w.join();
  }

  IoEngine engine() const override { return IoEngine::kThreads; }
  int depth() const override { return depth_; }

  absl::Status Submit(int slot, const IoOp& op) override {
    ++in_flight_;
    if (workers_.empty()) {
      inline_done_.push_back(IoDone{slot, op.offset, RunOp(target_, op)});
    } else {
      jobs_.Push(Job{slot, op});
    }
    return absl::OkStatus();
  }

  absl::StatusOr<IoDone> Reap() override {
    if (in_flight_ == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(target_.path(), ": nothing in flight to reap"));
    }
    --in_flight_;
    if (workers_.empty()) {
      IoDone d = std::move(inline_done_.front());
      inline_done_.pop_front();
      return d;
    }
    std::optional<IoDone> d = done_.Pop();
    if (!d) return absl::InternalError(absl::StrCat(target_.path(), ": I/O workers stopped"));
    return std::move(*d);
  }

 private:
  struct Job {
    int slot;
    IoOp op;
  };

  void Work() {
    while (std::optional<Job> job = jobs_.Pop()) {
      done_.Push(IoDone{job->slot, job->op.offset, RunOp(target_, job->op)});
    }
  }

  device::Target& target_;
  int depth_;
  int in_flight_ = 0;
  std::deque<IoDone> inline_done_;
  WorkQueue<Job> jobs_;
  WorkQueue<IoDone> done_;
  std::vector<std::thread> workers_;
};

}  // namespace

std::unique_ptr<IoQueue> MakeThreadQueue(device::Target& target, int depth) {
  return std::make_unique<ThreadQueue>(target, depth);
}

}  // namespace mediaforge::engine::throughput
