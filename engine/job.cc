#include "engine/job.h"

#include <chrono>
#include <optional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "engine/chunk_cursor.h"
#include "engine/source_prefetch.h"

namespace mediaforge::engine {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

absl::Status CancelledStatus(uint64_t bytes) {
  return absl::CancelledError(
      absl::StrCat("interrupted after ", bytes,
                   " bytes; image files were not written, devices hold a partial copy"));
}

// The write of one layout onto `destinations`; `done_before`/`grand_total` place its progress
// inside a larger job (a volume set).
absl::StatusOr<CopyReport> WriteLayout(const Layout& layout,
                                       std::span<Destination* const> destinations,
                                       const JobOptions& options, size_t layout_index,
                                       uint64_t done_before, uint64_t grand_total) {
  std::optional<SourcePrefetcher> prefetch;
  if (options.prefetch) prefetch.emplace(layout);
  CopyOptions copy;
  copy.block_size = options.block_size;
  copy.buffers = options.buffers;
  copy.fill_threads = options.fill_threads;
  copy.direct_source_reads = !options.prefetch;  // the prefetcher fills the page cache
  copy.sha256 = options.sha256;
  copy.block_digests = options.verify;
  copy.sparse_zero_pages = options.sparse;
  copy.skip_zero_extents = options.skip_zero_extents;
  copy.delta = options.delta;
  copy.cancel = options.cancel;
  copy.flush = options.commit;  // else the caller's commit flushes
  if (options.observe) {
    copy.observe = [&options, layout_index](uint64_t offset, uint64_t length,
                                            std::span<const std::byte> bytes) {
      options.observe(layout_index, offset, length, bytes);
    };
  }
  copy.progress = [&](uint64_t done, uint64_t total) {
    if (prefetch) prefetch->Progress(done);
    if (options.progress) {
      options.progress({.phase = JobProgress::Phase::kWrite,
                        .done = done_before + done,
                        .total = grand_total ? grand_total : total});
    }
  };
  std::vector<device::Target*> targets;
  for (Destination* d : destinations) targets.push_back(&d->target());
  return StreamLayout(layout, targets, copy);
}

// Reads `d` back against the digests of its write; records the outcome in `t`.
void Verify(const Layout& layout, const CopyReport& copy, Destination& d, const JobOptions& options,
            JobTargetReport& t) {
  VerifyOptions v;
  v.block_size = options.block_size;
  v.cancel = options.cancel;
  if (options.progress) {
    v.progress = [&](uint64_t done, uint64_t total) {
      options.progress(
          {.phase = JobProgress::Phase::kVerify, .path = d.path(), .done = done, .total = total});
    };
  }
  std::optional<absl::StatusOr<Layout>> fresh;
  const Layout* exact = &layout;
  if (HasStream(layout)) {
    exact = nullptr;
    if (options.fresh_layout) {
      fresh = options.fresh_layout();
      if (fresh->ok()) exact = &**fresh;
    }
  }
  auto r = VerifyDigests(d.target(), copy.digests, v, exact);
  t.verified = false;
  if (!r.ok()) {
    t.error = absl::Status(r.status().code(),
                           absl::StrCat("verify of ", d.path(), " failed: ", r.status().message()));
    return;
  }
  t.verified_bytes = r->bytes_compared;
  t.verify_seconds = r->seconds;
  if (r->cancelled) {
    t.error = absl::CancelledError(absl::StrCat(d.path(), ": verify interrupted"));
  } else if (!r->match) {
    t.verify_mismatch = true;
    t.offset = r->first_mismatch;
    t.error = absl::DataLossError(absl::StrCat(
        d.path(), ": verify found a difference at byte offset ", r->first_mismatch.value_or(0)));
  } else {
    t.verified = true;
  }
}

JobTargetReport TargetReportFor(const Destination& d, const TargetReport& tr) {
  JobTargetReport t;
  t.path = d.path();
  t.bytes = tr.bytes_written;
  t.seconds = tr.seconds;
  t.error = tr.status;
  t.offset = tr.error_offset;
  t.bytes_compared = tr.bytes_compared;
  t.rewritten = tr.rewritten;
  t.write_busy_seconds = tr.write_busy_seconds;
  return t;
}

}  // namespace

bool JobReport::all_ok() const {
  for (const auto& t : targets) {
    if (!t.ok()) return false;
  }
  return true;
}

absl::StatusOr<JobReport> RunJob(const Layout& layout, std::span<Destination* const> destinations,
                                 const JobOptions& options) {
  const auto t0 = Clock::now();
  auto abort_all = [&](absl::Status s) {
    for (Destination* d : destinations) d->Abort();
    return s;
  };
  auto copy = WriteLayout(layout, destinations, options, 0, 0, 0);
  if (!copy.ok()) return abort_all(copy.status());
  // A cancel that came after the last block was handed out still stops the job before anything
  // is committed: the user asked for it while the write was going on.
  if (copy->cancelled || (options.cancel && options.cancel->load())) {
    return abort_all(CancelledStatus(copy->bytes));
  }

  JobReport report;
  report.bytes = copy->bytes;
  report.sha256 = copy->sha256;
  for (size_t i = 0; i < destinations.size(); ++i) {
    Destination& d = *destinations[i];
    JobTargetReport t = TargetReportFor(d, copy->targets[i]);
    if (t.ok() && options.verify) Verify(layout, *copy, d, options, t);
    if (t.ok() && options.commit) {
      t.error = d.Commit();
      t.committed = t.error.ok();
    } else if (!t.ok()) {
      d.Abort();  // an image file that failed is dropped; an older file stays as it was
    }
    report.targets.push_back(std::move(t));
  }
  report.seconds = SecondsSince(t0);
  return report;
}

absl::StatusOr<JobReport> RunVolumeSetJob(std::span<const Layout* const> layouts, VolumeSet& set,
                                          const JobOptions& options) {
  if (layouts.size() != set.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(layouts.size(), " volumes planned but ", set.size(), " destinations given"));
  }
  const auto t0 = Clock::now();
  uint64_t grand_total = 0;
  for (const Layout* l : layouts) grand_total += l->total_size();
  auto fail = [&](size_t i, const absl::Status& s) {
    set.Abort();
    return absl::Status(s.code(), absl::StrCat("writing ", set[i].path(), ": ", s.message()));
  };
  JobReport report;
  uint64_t done_before = 0;
  for (size_t i = 0; i < layouts.size(); ++i) {
    Destination* one[] = {&set[i]};
    auto copy = WriteLayout(*layouts[i], one, options, i, done_before, grand_total);
    if (!copy.ok()) return fail(i, copy.status());
    if (copy->cancelled || (options.cancel && options.cancel->load())) {
      return fail(i, CancelledStatus(done_before + copy->bytes));
    }
    JobTargetReport t = TargetReportFor(set[i], copy->targets[0]);
    if (t.ok() && options.verify) Verify(*layouts[i], *copy, set[i], options, t);
    if (!t.ok()) return fail(i, t.error);
    report.bytes += copy->bytes;
    done_before += layouts[i]->total_size();
    report.targets.push_back(std::move(t));
  }
  if (options.commit) {
    if (auto s = set.Commit(); !s.ok()) return s;
    for (auto& t : report.targets) t.committed = true;
  }
  report.seconds = SecondsSince(t0);
  return report;
}

}  // namespace mediaforge::engine
