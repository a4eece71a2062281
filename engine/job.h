// The one job runner every writing command goes through (flags -> plan -> job -> report):
// stream a finished layout onto one or many destinations, optionally read each back, commit,
// and report per target (bytes, seconds, MB/s, verified, error with its byte offset).
//
//   auto dst = engine::Destination::Open(path, {.device_guard_passed = true});
//   engine::Destination* all[] = {dst->get()};
//   absl::StatusOr<engine::JobReport> r = engine::RunJob(layout, all, {.verify = true});
//
// A failure of the source (a file vanished, a corrupt stream) or cancellation is the returned
// status, and then no image file is committed (devices hold a partial copy). A failure of one
// target is recorded in its report and the others go on; each target that was written (and
// verified, when asked) is committed on its own. A volume set is committed all or nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/destination.h"
#include "engine/layout.h"
#include "engine/stream_copy.h"

namespace mediaforge::engine {

struct JobProgress {
  enum class Phase { kWrite, kVerify };
  Phase phase = Phase::kWrite;
  std::string path;  // kVerify: the target being read back; kWrite: empty (all at once)
  uint64_t done = 0;
  uint64_t total = 0;
};
// Called from the job's coordinating thread, at most a few times a second.
using JobProgressFn = std::function<void(const JobProgress&)>;

struct JobOptions {
  // Size of each aligned buffer and how many are in flight (CopyOptions; measured in bench/).
  size_t block_size = 4u << 20;
  int buffers = 8;
  int fill_threads = 0;  // 0: automatic (CopyOptions::fill_threads)
  // SHA-256 of the layout's content, computed beside the copy (JobReport::sha256).
  bool sha256 = false;
  // Read every target back (page cache bypassed) against XXH3 digests taken while writing; a
  // mismatch is narrowed to its first byte. A target that does not match is not committed.
  bool verify = false;
  // Ask the kernel for the layout's source files ahead of the copy (trees of many files on a
  // cold cache: engine/source_prefetch.h). Not for single big files.
  bool prefetch = false;
  // Image files: leave 4 KiB pages that are all zero as holes.
  bool sparse = false;
  // Zero extents are not written (the caller zeroes them otherwise: BLKZEROOUT, issue 12).
  bool skip_zero_extents = false;
  // Read each target first and write only the 4 KiB pages that differ (CopyOptions::delta).
  bool delta = false;
  // Flush every target at the end of the write (the targets' seconds and MB/s include it) and
  // commit each one that was written (and verified). Off: the caller commits, and its commit
  // flushes (Destination::Commit), so the job does not: a device flush of gigabytes costs about
  // a second on a VM's disk, and one is enough (create: the stream, then the generated files
  // written over their placeholders, then the commit).
  bool commit = true;
  // Layouts holding a stream (a decompressor) are consumed by the write: give a fresh one so a
  // verify mismatch can be narrowed to its byte (else it is reported at its block's start).
  std::function<absl::StatusOr<Layout>()> fresh_layout;
  // CopyOptions::observe for each layout of the job: `layout_index` is 0 for RunJob and the
  // volume's index for RunVolumeSetJob; the calls of one layout as CopyOptions::observe says
  // (concurrent, any order), the layouts one after the other.
  std::function<void(size_t layout_index, uint64_t offset, uint64_t length,
                     std::span<const std::byte> bytes)>
      observe;
  JobProgressFn progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct JobTargetReport {
  std::string path;
  uint64_t bytes = 0;  // written to this target
  double seconds = 0;  // writing (verification: verify_seconds)
  double mb_per_s() const { return seconds > 0 ? bytes / seconds / 1e6 : 0; }
  std::optional<bool> verified;  // set when verification ran
  uint64_t verified_bytes = 0;
  double verify_seconds = 0;
  bool verify_mismatch = false;    // the read-back differs (error says where)
  absl::Status error;              // ok when the target was written (and verified) fine
  std::optional<uint64_t> offset;  // byte offset of the error or first mismatch, when known
  bool committed = false;
  // Delta only (CopyOptions::delta): bytes compared, ranges rewritten, time writes were in
  // flight (the measured write rate is bytes / write_busy_seconds).
  uint64_t bytes_compared = 0;
  std::vector<ByteSpan> rewritten;
  double write_busy_seconds = 0;
  bool ok() const { return error.ok(); }
};

struct JobReport {
  uint64_t bytes = 0;                 // layout content streamed (all volumes)
  std::optional<std::string> sha256;  // with JobOptions::sha256 (single layouts)
  double seconds = 0;                 // the whole job
  std::vector<JobTargetReport> targets;
  bool all_ok() const;
};

// Streams `layout` (finalized) onto every destination; see the top of this file.
absl::StatusOr<JobReport> RunJob(const Layout& layout, std::span<Destination* const> destinations,
                                 const JobOptions& options);

// A volume set: layouts[i] onto set[i], one after another (progress counts over all), then
// committed together. Any failure is the returned status and leaves every path as it was.
absl::StatusOr<JobReport> RunVolumeSetJob(std::span<const Layout* const> layouts, VolumeSet& set,
                                          const JobOptions& options);

}  // namespace mediaforge::engine
