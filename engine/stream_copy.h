// The streaming core: one read of a layout feeds any number of targets with large aligned
// writes, hashing beside the copy. Write, verify, multi-target, capture and the FAT/ISO/USB
// writers all go through here.
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
#include "device/target.h"
#include "engine/layout.h"

namespace mediaforge::engine {

// Called from the copy's coordinating thread, at most a few times a second.
using ProgressFn = std::function<void(uint64_t bytes_done, uint64_t bytes_total)>;

struct CopyOptions {
  // Size of each aligned buffer and how many are in flight; defaults measured in bench/.
  size_t block_size = 4u << 20;
  int buffers = 8;
  // Threads reading the source into buffers (a stream is always read by one, in order).
  // 0: automatic: two for layouts of many extents (trees of files: opens and page-cache copies
  // overlap), one for a few big extents (a raw image) or when SHA-256 needs a core of its own
  // (2-core machines); three when large files may be read O_DIRECT (the workers then wait on
  // the device, not a core: three reads in flight). Measured in bench/.
  int fill_threads = 0;
  // Read large source files O_DIRECT straight into the write buffers when their pages are not
  // cached (LayoutReader), with several fill workers so several reads are in flight. Off when a
  // prefetcher fills the page cache for the copy (trees of files).
  bool direct_source_reads = true;
  // Compute the SHA-256 of the layout's content (0..total_size, gaps as zeros) on its own thread.
  bool sha256 = false;
  // The targets were freshly created or truncated: zero extents need not be written (they read
  // as zeros already). Never set this for block devices.
  bool skip_zero_extents = false;
  // Regular-file targets: do not write 4 KiB pages that are all zero (they stay holes). Only
  // for fresh files (capture, new images).
  bool sparse_zero_pages = false;
  // Resize regular-file targets to the layout's total size before writing.
  bool resize_files = true;
  // Flush (fdatasync, BLKFLSBUF) every target at the end.
  bool flush = true;
  // Record an XXH3-64 digest of every written block (CopyReport::digests), so read-back
  // verification needs neither the source again nor a second decompression.
  bool block_digests = false;
  // Delta (issue 12): read each block of every target first (O_DIRECT, on the writer threads,
  // so reads overlap other blocks' writes) and write only the runs of `delta_granule`-byte pages
  // that differ. Completes an interrupted write, refreshes a stick holding an older version,
  // repairs mismatching blocks. TargetReport then has bytes_compared and rewritten ranges.
  bool delta = false;
  size_t delta_granule = 4096;
  // Sees the bytes of every written chunk (what the targets get): digests of parts of the layout
  // taken while it streams (the manifest of `mediaforge create`). Called on the fill workers
  // once the chunk is with the writers, so several calls run at once and chunks come in any
  // order; the calls on one worker come in target order, and chunks are handed to the workers
  // in target order, so an observer may wait inside a call for bytes of an earlier chunk (the
  // earliest chunk being observed never waits). Every range up to the last chunk handed out is
  // shown exactly once; `bytes` shorter than `length` means the rest of [offset, offset +
  // length) will never come (gaps and skipped zero extents, shown with no bytes by the
  // coordinator; a failed source; the end of a stream), so waiters can stop. The buffer is
  // held until the call returns.
  std::function<void(uint64_t offset, uint64_t length, std::span<const std::byte> bytes)> observe;
  ProgressFn progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct BlockDigest {
  uint64_t offset = 0;
  uint32_t length = 0;
  uint64_t xxh3 = 0;
};

struct ByteSpan {
  uint64_t offset = 0;
  uint64_t length = 0;
};

struct TargetReport {
  std::string path;
  uint64_t bytes_written = 0;
  // Delta only: bytes read back and compared, the ranges rewritten (sorted, merged), and the
  // time during which at least one write was in flight (for the measured write rate).
  uint64_t bytes_compared = 0;
  std::vector<ByteSpan> rewritten;
  double write_busy_seconds = 0;
  double seconds = 0;
  absl::Status status;                   // per target: one failing target does not stop others
  std::optional<uint64_t> error_offset;  // byte offset of the failure, when known
  double mb_per_s() const { return seconds > 0 ? bytes_written / seconds / 1e6 : 0; }
};

struct CopyReport {
  uint64_t bytes = 0;                 // bytes of layout content streamed
  std::optional<std::string> sha256;  // lowercase hex, when asked for
  std::vector<TargetReport> targets;
  std::vector<BlockDigest> digests;  // with CopyOptions::block_digests, in offset order
  bool cancelled = false;
  bool all_ok() const;
};

// Streams `layout` (finalized) to every target. A failure of the source (file vanished, corrupt
// stream) is the returned status; a failure of one target is recorded in its report and the
// others go on. Cancellation stops at the next buffer and sets `cancelled`.
absl::StatusOr<CopyReport> StreamLayout(const Layout& layout,
                                        std::span<device::Target* const> targets,
                                        const CopyOptions& options);

struct VerifyOptions {
  size_t block_size = 4u << 20;
  int threads = 0;  // 0: one per core
  bool drop_cache = true;
  // Compare only target bytes [range_start, range_start + range_length).
  uint64_t range_start = 0;
  uint64_t range_length = UINT64_MAX;
  ProgressFn progress;
  const std::atomic<bool>* cancel = nullptr;
};

struct VerifyReport {
  bool match = false;
  uint64_t bytes_compared = 0;
  double seconds = 0;
  std::optional<uint64_t> first_mismatch;  // byte offset on the target
  bool cancelled = false;
};

// Reads every extent of `layout` back from `target` (cache bypassed) and compares it with what
// the layout says; gaps are not compared. Reports the first mismatching byte offset.
absl::StatusOr<VerifyReport> VerifyLayout(const Layout& layout, device::Target& target,
                                          const VerifyOptions& options);

// Reads back every block in `digests` on several threads, hashing each with XXH3 and comparing.
// A mismatch is narrowed to the first differing byte with `layout_for_exact` when given (a fresh
// layout of the same content; VerifyLayout over the bad block), else reported at block start.
absl::StatusOr<VerifyReport> VerifyDigests(device::Target& target,
                                           const std::vector<BlockDigest>& digests,
                                           const VerifyOptions& options,
                                           const Layout* layout_for_exact = nullptr);

// SHA-256 of the first `length` bytes of `target`, read with the cache bypassed.
absl::StatusOr<std::string> HashTarget(device::Target& target, uint64_t length,
                                       const VerifyOptions& options);

}  // namespace mediaforge::engine
