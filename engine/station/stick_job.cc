#include "engine/station/stick_job.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/destination.h"
#include "engine/station/stick_content.h"
#include "engine/station/stick_write.h"
#include "engine/stream_copy.h"
#include "engine/throughput/probe.h"

namespace mediaforge::engine::station {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

bool Flag(const std::atomic<bool>* f) { return f != nullptr && f->load(); }

class Job {
 public:
  Job(const device::BlockInfo& disk, const LayoutMaker& make_layout, const StickJobOptions& options,
      const StickUpdateFn& update)
      : disk_(disk), make_layout_(make_layout), options_(options), update_(update) {}

  StickResult Run() {
    result_.declared_bytes = disk_.size;
    Steps();
    result_.seconds = Since(t0_);
    // However it ended, a stick pulled out or a run interrupted says so first.
    if (!result_.ok() && result_.state != StickState::kRefused) {
      if (Flag(options_.removed) && result_.state != StickState::kRemoved) {
        // The watcher saw it leave: the job stopped where the write had got to.
        if (!result_.error_offset &&
            (phase_ == StickState::kWriting || phase_ == StickState::kVerifying)) {
          result_.error_offset = phase_done_;
        }
        result_.state = StickState::kRemoved;
        result_.error = absl::StrCat(disk_.path, ": removed before it was finished",
                                     result_.error_offset
                                         ? absl::StrCat(" (at byte offset ", *result_.error_offset,
                                                        " of the ", StickStateName(phase_), ")")
                                         : "",
                                     "; ", result_.error);
      } else if (Flag(options_.cancel)) {
        result_.state = StickState::kInterrupted;
      }
    }
    Enter(result_.state);
    return result_;
  }

 private:
  void Enter(StickState s, uint64_t done = 0, uint64_t total = 0) {
    if (!IsFinal(s)) {
      phase_ = s;
      phase_done_ = done;
    }
    if (update_) update_({s, done, total});
  }
  ProgressFn Progress(StickState s) {
    return [this, s](uint64_t done, uint64_t total) { Enter(s, done, total); };
  }
  void Fail(StickState s, const absl::Status& status, std::optional<uint64_t> offset) {
    result_.state = s;
    result_.error = std::string(status.message());
    result_.error_offset = offset;
    // ENODEV, ENXIO, ENOMEDIUM (device/errors.h): the stick (or the card in a reader) is gone,
    // whether or not the watcher has seen it leave yet.
    if (s == StickState::kFailed && absl::IsUnavailable(status)) {
      result_.state = StickState::kRemoved;
      result_.error = absl::StrCat(
          disk_.path, ": the disk disappeared during the ", StickStateName(phase_),
          offset ? absl::StrCat(" at byte offset ", *offset) : "", " (", status.message(), ")");
    }
  }
  bool Stopped() {
    if (!Flag(options_.cancel) && !Flag(options_.removed)) return false;
    Fail(StickState::kInterrupted, absl::CancelledError("interrupted"), std::nullopt);
    return true;
  }

  void Steps() {
    Enter(StickState::kChecking);
    device::GuardPolicy policy{/*yes=*/true, options_.force, /*interactive=*/false};
    auto decision = device::CheckTarget(disk_.path, options_.image_bytes, policy);
    if (!decision.ok()) return Fail(StickState::kFailed, decision.status(), std::nullopt);
    if (!decision->allowed) {
      return Fail(StickState::kRefused,
                  absl::FailedPreconditionError(absl::StrJoin(
                      decision->reasons, "; ",
                      [](std::string* out, const device::GuardReason& r) { out->append(r.what); })),
                  std::nullopt);
    }
    // O_EXCL: a disk mounted since the guard looked is refused here.
    DestinationOptions dopts;
    dopts.device_guard_passed = true;
    dopts.wrap = options_.wrap;
    auto destination = Destination::Open(disk_.path, dopts);
    if (!destination.ok()) return Fail(StickState::kFailed, destination.status(), std::nullopt);
    device::Target& target = (*destination)->target();
    result_.declared_bytes = target.size();

    if (options_.probe) {
      if (Stopped()) return;
      Enter(StickState::kProbing);
      throughput::ProbeOptions po;
      po.group = options_.probe_group;
      po.cancel = options_.cancel;
      auto probe = throughput::RunProbe(target, po);
      if (!probe.ok()) return Fail(StickState::kFailed, probe.status(), std::nullopt);
      if (probe->cancelled) return (void)Stopped();
      result_.probed_bytes = probe->usable_bytes;
      if (probe->first_bad) {
        const auto& bad = *probe->first_bad;
        std::string what = absl::StrCat(target.path(), ": ",
                                        probe->fake ? "fake capacity: only " : "bad media: only ",
                                        probe->usable_bytes, " of ", probe->declared_bytes,
                                        " declared bytes hold data (at byte offset ", bad.offset,
                                        ": ", bad.found, "); nothing was written");
        return Fail(probe->fake ? StickState::kFake : StickState::kFailed,
                    absl::DataLossError(what), bad.offset);
      }
      if (!probe->restored) {
        return Fail(
            StickState::kFailed,
            absl::DataLossError(absl::StrCat(
                target.path(), ": restoring the probed blocks failed: ", probe->restore_error)),
            std::nullopt);
      }
    }

    bool delta = options_.delta == DeltaPolicy::kAlways;
    if (options_.check_current) {
      if (Stopped()) return;
      Enter(StickState::kComparing);
      auto look = LookAtContent(target, make_layout_, options_, Progress(StickState::kComparing));
      if (!look.ok()) return Fail(StickState::kFailed, look.status(), std::nullopt);
      if (look->content == StickContent::kCurrent) {
        result_.state = StickState::kCurrent;
        return;
      }
      if (look->content == StickContent::kEarlierCopy &&
          options_.delta == DeltaPolicy::kEarlierCopy) {
        delta = true;
      }
    }

    if (Stopped()) return;
    Enter(StickState::kWriting);
    WritePhases phases{Progress(StickState::kWriting), Progress(StickState::kVerifying),
                       [this] { Enter(StickState::kVerifying); }};
    result_.delta = delta;
    WriteOutcome out = WriteAndVerify(**destination, make_layout_, options_, delta, phases);
    result_.bytes_written = out.bytes_written;
    result_.bytes_compared = out.bytes_compared;
    result_.write_seconds = out.write_seconds;
    if (!out.status.ok()) return Fail(out.state, out.status, out.error_offset);
    result_.state = StickState::kWritten;
  }

  const device::BlockInfo& disk_;
  const LayoutMaker& make_layout_;
  const StickJobOptions& options_;
  const StickUpdateFn& update_;
  const Clock::time_point t0_ = Clock::now();
  StickResult result_;
  StickState phase_ = StickState::kDetected;  // the last phase entered, and how far it got
  uint64_t phase_done_ = 0;
};

}  // namespace

const char* StickStateName(StickState s) {
  switch (s) {
    case StickState::kDetected:
      return "detected";
    case StickState::kChecking:
      return "checking";
    case StickState::kProbing:
      return "probing";
    case StickState::kComparing:
      return "comparing";
    case StickState::kWriting:
      return "writing";
    case StickState::kVerifying:
      return "verifying";
    case StickState::kWritten:
      return "written";
    case StickState::kCurrent:
      return "current";
    case StickState::kFailed:
      return "failed";
    case StickState::kFake:
      return "fake";
    case StickState::kRefused:
      return "refused";
    case StickState::kInterrupted:
      return "interrupted";
    case StickState::kRemoved:
      return "removed";
  }
  return "unknown";
}

bool IsFinal(StickState s) { return s >= StickState::kWritten; }

StickResult RunStickJob(const device::BlockInfo& disk, const LayoutMaker& make_layout,
                        const StickJobOptions& options, const StickUpdateFn& update) {
  return Job(disk, make_layout, options, update).Run();
}

}  // namespace mediaforge::engine::station
