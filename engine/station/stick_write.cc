#include "engine/station/stick_write.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/job.h"

namespace mediaforge::engine::station {

absl::StatusOr<bool> HoldsImage(device::Target& target, const LayoutMaker& make_layout,
                                const StickJobOptions& options, const ProgressFn& progress) {
  // One reader: the comparison is sequential on a stick anyway, and memory stays at two slots
  // (eight sticks in flight must fit in 128 MiB).
  VerifyOptions v;
  v.block_size = options.block_size;
  v.threads = 1;
  v.cancel = options.cancel;
  for (uint64_t length : {uint64_t{1} << 20, UINT64_MAX}) {
    auto layout = make_layout();
    if (!layout.ok()) return layout.status();
    if (layout->total_size() > target.size()) return false;
    v.range_length = length;
    v.progress = length == UINT64_MAX ? progress : ProgressFn();
    auto r = VerifyLayout(*layout, target, v);
    if (!r.ok()) return r.status();
    if (!r->match) return false;
  }
  return true;
}

WriteOutcome WriteAndVerify(Destination& destination, const LayoutMaker& make_layout,
                            const StickJobOptions& options, const WritePhases& phases) {
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
  out.write_seconds = t.seconds;
  if (!t.ok()) return fail(t.error, t.offset);
  return out;
}

}  // namespace mediaforge::engine::station
