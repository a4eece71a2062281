#include "engine/station/stick_write.h"

#include "absl/strings/str_cat.h"
#include "engine/job.h"

namespace mediaforge::engine::station {

WriteOutcome WriteAndVerify(Destination& destination, const LayoutMaker& make_layout,
                            const StickJobOptions& options, bool delta, const WritePhases& phases) {
  WriteOutcome out;
  auto fail = [&](absl::Status s, std::optional<uint64_t> offset) {
    out.status = std::move(s);
    out.state = StickState::kFailed;
    out.error_offset = offset;
    return out;
  };
  auto layout = make_layout();
  if (!layout.ok()) return fail(layout.status(), std::nullopt);
  JobOptions j;
  j.block_size = options.block_size;
  j.buffers = options.buffers;
  j.verify = true;
  j.delta = delta;
  j.fresh_layout = make_layout;
  j.cancel = options.cancel;
  bool verifying = false;
  j.progress = [&](const JobProgress& p) {
    if (p.phase == JobProgress::Phase::kWrite) {
      if (phases.write_progress) phases.write_progress(p.done, p.total);
      return;
    }
    if (!verifying && phases.verifying) phases.verifying();
    verifying = true;
    if (phases.verify_progress) phases.verify_progress(p.done, p.total);
  };
  Destination* destinations[] = {&destination};
  auto report = RunJob(*layout, destinations, j);
  if (!report.ok()) return fail(report.status(), std::nullopt);  // source failed, or cancelled
  const JobTargetReport& t = report->targets.front();
  out.bytes_written = t.bytes;
  out.bytes_compared = t.bytes_compared;
  out.write_seconds = t.seconds;
  if (!t.ok()) return fail(t.error, t.offset);
  return out;
}

}  // namespace mediaforge::engine::station
