#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "device/aligned_buffer.h"
#include "device/sha256.h"
#include "engine/chunk_cursor.h"
#include "engine/layout_reader.h"
#include "engine/stage_trace.h"
#include "engine/stream_copy.h"
#include "engine/work_queue.h"

// Read-back: VerifyLayout (against a layout), VerifyDigests (against the digests of a write),
// HashTarget. Reads run on several threads with the page cache bypassed.
namespace mediaforge::engine {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

// Both reads of a block run at once: device readers fill `actual` while expected-content
// fillers (or, for a layout holding a stream, the coordinator, in order) fill `expected`; the
// one finishing second compares. The image and the device are thus read side by side, each with
// several reads in flight (issue 16: the two reads had looked serialized), and the image's large
// files are read O_DIRECT when not cached (LayoutReader).
absl::StatusOr<VerifyReport> VerifyLayout(const Layout& layout, device::Target& target,
                                          const VerifyOptions& options) {
  VerifyReport report;
  const auto t0 = Clock::now();
  if (options.drop_cache) {
    if (auto s = target.DropCache(); !s.ok()) return s;
  }
  StageTrace trace("verify");
  const size_t block = std::max<size_t>(options.block_size, 4096);
  // Readers of each side: they wait on I/O, not a core, so three keep three reads in flight on
  // the device and three on the image (measured with MEDIAFORGE_STAGE_TRACE: two readers kept
  // 1.4 device reads in flight on average).
  const int nthreads = options.threads > 0
                           ? options.threads
                           : std::max(3, static_cast<int>(std::thread::hardware_concurrency()));
  const bool sequential = HasStream(layout);
  struct VSlot {
    device::AlignedBuffer expected, actual;
    Chunk chunk;
    size_t length = 0;
    std::atomic<int> parts{0};  // reads still running for this block
  };
  std::vector<std::unique_ptr<VSlot>> slots(std::max(8, nthreads * 2));
  WorkQueue<VSlot*> free_slots, device_work, expected_work;
  for (auto& s : slots) {
    s = std::make_unique<VSlot>();
    s->expected = device::AlignedBuffer(block);
    s->actual = device::AlignedBuffer(block);
    free_slots.Push(s.get());
  }
  std::mutex mu;
  absl::Status read_error;
  absl::Status source_status;
  std::optional<uint64_t> first_mismatch;
  std::atomic<uint64_t> compared{0};
  std::atomic<bool> failed{false};
  // Called by each of the two reads of a slot when done; the second compares and frees it.
  auto part_done = [&](VSlot* s) {
    if (s->parts.fetch_sub(1) != 1) return;
    if (!failed && std::memcmp(s->actual.data(), s->expected.data(), s->length) != 0) {
      auto actual = s->actual.span();
      auto expected = s->expected.span();
      size_t i = 0;
      while (actual[i] == expected[i]) ++i;
      std::lock_guard lock(mu);
      uint64_t off = s->chunk.offset + i;
      if (!first_mismatch || off < *first_mismatch) first_mismatch = off;
    }
    compared += s->length;
    free_slots.Push(s);
  };
  std::vector<std::thread> workers;
  for (int w = 0; w < nthreads; ++w) {
    workers.emplace_back([&] {
      while (auto item = device_work.Pop()) {
        VSlot* s = *item;
        absl::Status st;
        {
          StageTrace::Op op(trace, Stage::kTargetRead);
          st = device::ReadFully(target, s->actual.span().first(s->length), s->chunk.offset);
        }
        if (!st.ok()) {
          std::lock_guard lock(mu);
          if (read_error.ok()) read_error = st;
          failed = true;
        }
        part_done(s);
      }
    });
  }
  if (!sequential) {
    for (int w = 0; w < nthreads; ++w) {
      workers.emplace_back([&] {
        LayoutReader reader(layout, /*direct_reads=*/true);
        while (auto item = expected_work.Pop()) {
          VSlot* s = *item;
          absl::StatusOr<size_t> filled;
          {
            StageTrace::Op op(trace, Stage::kSourceRead);
            filled = reader.Fill(s->chunk.offset, s->expected.span().first(s->length));
          }
          if (!filled.ok()) {
            std::lock_guard lock(mu);
            if (source_status.ok()) source_status = filled.status();
            failed = true;
          }
          part_done(s);
        }
      });
    }
  }

  LayoutReader reader(layout);
  ChunkCursor cursor(layout, block, false, false);
  auto last_progress = Clock::now();
  const uint64_t range_end =
      options.range_length == UINT64_MAX ? UINT64_MAX : options.range_start + options.range_length;
  const uint64_t target_size = target.size();
  while (auto chunk = cursor.Next()) {
    if (options.cancel && options.cancel->load()) {
      report.cancelled = true;
      break;
    }
    if (failed) break;
    if (chunk->offset >= range_end) break;
    if (chunk->offset + chunk->length <= options.range_start) continue;
    VSlot* s;
    {
      StageTrace::Op wait(trace, Stage::kBufferWait);
      s = *free_slots.Pop();
    }
    s->chunk = *chunk;
    if (!sequential) {
      s->length = chunk->length;
      s->parts = 2;
      device_work.Push(s);
      expected_work.Push(s);
    } else {
      // An open-ended stream's last chunk may come back short: read the device's part of it
      // only after the stream said how long it is.
      const bool known = !chunk->open_ended && chunk->offset + chunk->length <= target_size;
      s->length = chunk->length;
      s->parts = known ? 2 : 1;
      if (known) device_work.Push(s);
      absl::StatusOr<size_t> filled;
      {
        StageTrace::Op op(trace, Stage::kSourceRead);
        filled = reader.Fill(chunk->offset, s->expected.span().first(chunk->length));
      }
      if (!filled.ok()) {
        {
          std::lock_guard lock(mu);
          if (source_status.ok()) source_status = filled.status();
        }
        failed = true;
        if (known) {
          part_done(s);  // the device read may still hold the slot
        } else {
          free_slots.Push(s);
        }
        break;
      }
      if (!known) {
        if (*filled == 0) {  // the stream ended at a block boundary
          free_slots.Push(s);
          break;
        }
        s->length = *filled;
        s->parts = 2;
        device_work.Push(s);
      }
      part_done(s);
      if (chunk->open_ended && *filled < chunk->length) break;
    }
    if (options.progress && Clock::now() - last_progress > std::chrono::milliseconds(200)) {
      last_progress = Clock::now();
      options.progress(compared.load(), cursor.write_bytes());
    }
  }
  device_work.Close();
  expected_work.Close();
  for (auto& th : workers) th.join();
  {
    std::lock_guard lock(mu);
    if (!source_status.ok()) return source_status;
    if (!read_error.ok()) return read_error;
  }
  report.bytes_compared = compared.load();
  report.first_mismatch = first_mismatch;
  report.match = !first_mismatch && !report.cancelled;
  report.seconds = SecondsSince(t0);
  if (options.progress) options.progress(report.bytes_compared, report.bytes_compared);
  return report;
}

absl::StatusOr<VerifyReport> VerifyDigests(device::Target& target,
                                           const std::vector<BlockDigest>& digests,
                                           const VerifyOptions& options,
                                           const Layout* layout_for_exact) {
  VerifyReport report;
  const auto t0 = Clock::now();
  if (options.drop_cache) {
    if (auto s = target.DropCache(); !s.ok()) return s;
  }
  const int nthreads = options.threads > 0
                           ? options.threads
                           : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  uint32_t max_len = 0;
  uint64_t total = 0;
  for (const auto& d : digests) {
    max_len = std::max(max_len, d.length);
    total += d.length;
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> compared{0};
  std::mutex mu;
  absl::Status read_error;
  std::optional<size_t> first_bad;  // index into digests
  std::vector<std::thread> workers;
  for (int w = 0; w < nthreads; ++w) {
    workers.emplace_back([&] {
      device::AlignedBuffer buf(std::max<uint32_t>(max_len, 4096));
      for (size_t i = next++; i < digests.size(); i = next++) {
        if (options.cancel && options.cancel->load()) break;
        const BlockDigest& d = digests[i];
        absl::Status st = device::ReadFully(target, buf.span().first(d.length), d.offset);
        bool same = st.ok() && XXH3_64bits(buf.data(), d.length) == d.xxh3;
        compared += d.length;
        if (st.ok() && same) continue;
        std::lock_guard lock(mu);
        if (!st.ok()) {
          if (read_error.ok()) read_error = st;
          break;
        }
        if (!first_bad || i < *first_bad) first_bad = i;
      }
    });
  }
  // Progress from this thread while the workers run.
  while (options.progress && compared.load() < total && read_error.ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (options.cancel && options.cancel->load()) break;
    std::lock_guard lock(mu);
    if (first_bad || !read_error.ok()) break;
    options.progress(compared.load(), total);
  }
  for (auto& th : workers) th.join();
  if (!read_error.ok()) return read_error;
  report.cancelled = options.cancel && options.cancel->load();
  report.bytes_compared = compared.load();
  report.seconds = SecondsSince(t0);
  if (first_bad) {
    const BlockDigest& d = digests[*first_bad];
    report.first_mismatch = d.offset;
    if (layout_for_exact != nullptr) {
      VerifyOptions exact = options;
      exact.range_start = d.offset;
      exact.range_length = d.length;
      exact.drop_cache = false;
      exact.progress = nullptr;
      auto r = VerifyLayout(*layout_for_exact, target, exact);
      if (r.ok() && r->first_mismatch) report.first_mismatch = r->first_mismatch;
    }
  }
  report.match = !first_bad && !report.cancelled;
  if (options.progress) options.progress(report.bytes_compared, total);
  return report;
}

absl::StatusOr<std::string> HashTarget(device::Target& target, uint64_t length,
                                       const VerifyOptions& options) {
  if (length > target.size()) {
    return absl::OutOfRangeError(absl::StrCat(target.path(), ": holds ", target.size(),
                                              " bytes, fewer than the ", length, " to hash"));
  }
  // Read a few blocks ahead on worker threads, hash in order here.
  if (options.drop_cache) {
    if (auto s = target.DropCache(); !s.ok()) return s;
  }
  const size_t block = std::max<size_t>(options.block_size, 4096);
  const int depth = 4;
  struct HSlot {
    device::AlignedBuffer buf;
    uint64_t offset = 0;
    size_t length = 0;
    absl::Status status;
    std::atomic<bool> ready{false};
  };
  std::vector<std::unique_ptr<HSlot>> ring(depth);
  for (auto& s : ring) {
    s = std::make_unique<HSlot>();
    s->buf = device::AlignedBuffer(block);
  }
  WorkQueue<HSlot*> work;
  WorkQueue<HSlot*> done;
  std::vector<std::thread> readers;
  for (int i = 0; i < depth; ++i) {
    readers.emplace_back([&] {
      while (auto item = work.Pop()) {
        HSlot* s = *item;
        s->status = device::ReadFully(target, s->buf.span().first(s->length), s->offset);
        done.Push(s);
      }
    });
  }
  device::Sha256 sha;
  uint64_t next_issue = 0, next_hash = 0;
  absl::Status status;
  std::vector<HSlot*> completed;
  auto issue = [&](HSlot* s) {
    s->offset = next_issue;
    s->length = static_cast<size_t>(std::min<uint64_t>(block, length - next_issue));
    next_issue += s->length;
    work.Push(s);
  };
  int in_flight = 0;
  for (auto& s : ring) {
    if (next_issue >= length) break;
    issue(s.get());
    ++in_flight;
  }
  while (in_flight > 0) {
    HSlot* s = *done.Pop();
    completed.push_back(s);
    // Hash completed slots in offset order.
    bool progress = true;
    while (progress) {
      progress = false;
      for (size_t i = 0; i < completed.size(); ++i) {
        if (completed[i]->offset != next_hash) continue;
        HSlot* c = completed[i];
        completed.erase(completed.begin() + static_cast<long>(i));
        --in_flight;
        if (!c->status.ok() && status.ok()) status = c->status;
        if (status.ok()) sha.Update(c->buf.span().first(c->length));
        next_hash += c->length;
        if (options.progress) options.progress(next_hash, length);
        bool cancel = options.cancel && options.cancel->load();
        if (status.ok() && !cancel && next_issue < length) {
          issue(c);
          ++in_flight;
        }
        progress = true;
        break;
      }
    }
  }
  work.Close();
  for (auto& th : readers) th.join();
  if (!status.ok()) return status;
  if (options.cancel && options.cancel->load()) {
    return absl::CancelledError(
        absl::StrCat(target.path(), ": interrupted after ", next_hash, " bytes"));
  }
  return sha.FinalHex();
}

}  // namespace mediaforge::engine
