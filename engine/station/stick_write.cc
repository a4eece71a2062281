#include "engine/station/stick_write.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

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

WriteOutcome WriteAndVerify(device::Target& target, const LayoutMaker& make_layout,
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
  CopyOptions c;
  c.block_size = options.block_size;
  c.buffers = options.buffers;
  c.block_digests = true;
  c.resize_files = false;  // the disk is what it is (image-file disks in tests too)
  c.progress = phases.write_progress;
  c.cancel = options.cancel;
  device::Target* targets[] = {&target};
  auto report = StreamLayout(*layout, targets, c);
  if (!report.ok()) return fail(report.status(), std::nullopt);
  const TargetReport& tr = report->targets.front();
  out.bytes_written = tr.bytes_written;
  out.write_seconds = tr.seconds;
  if (report->cancelled) return fail(absl::CancelledError("interrupted"), tr.bytes_written);
  if (!tr.status.ok()) return fail(tr.status, tr.error_offset);

  if (phases.verifying) phases.verifying();
  VerifyOptions v;
  v.block_size = options.block_size;
  v.threads = 2;
  v.cancel = options.cancel;
  v.progress = phases.verify_progress;
  auto exact = make_layout();
  auto vr = VerifyDigests(target, report->digests, v, exact.ok() ? &*exact : nullptr);
  if (!vr.ok()) return fail(vr.status(), std::nullopt);
  if (vr->cancelled) return fail(absl::CancelledError("interrupted while verifying"), std::nullopt);
  if (!vr->match) {
    return fail(absl::DataLossError(absl::StrCat(target.path(),
                                                 ": verify: first mismatching byte at offset ",
                                                 vr->first_mismatch.value_or(0))),
                vr->first_mismatch);
  }
  return out;
}

}  // namespace mediaforge::engine::station
