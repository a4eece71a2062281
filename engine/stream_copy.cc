#include "engine/stream_copy.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "device/aligned_buffer.h"
#include "engine/chunk_cursor.h"
#include "engine/layout_reader.h"
#include "engine/sha256.h"
#include "engine/work_queue.h"

namespace mediaforge::engine {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One filled buffer on its way to the consumers; returned to the pool when the last one is done.
struct Slot {
  device::AlignedBuffer buffer;
  Chunk chunk;
  size_t length = 0;  // valid bytes (open-ended stream chunks may be short)
  std::atomic<int> pending{0};
};

class SlotPool {
 public:
  SlotPool(int count, size_t size) : slots_(count) {
    for (auto& s : slots_) {
      s = std::make_unique<Slot>();
      s->buffer = device::AlignedBuffer(size);
      free_.Push(s.get());
    }
  }
  Slot* Acquire() { return *free_.Pop(); }
  void Release(Slot* s) {
    if (s->pending.fetch_sub(1) == 1) free_.Push(s);
  }

 private:
  std::vector<std::unique_ptr<Slot>> slots_;
  WorkQueue<Slot*> free_;
};

struct TargetState {
  device::Target* target;
  WorkQueue<Slot*> queue;
  std::mutex mu;
  absl::Status status;
  std::optional<uint64_t> error_offset;
  std::atomic<uint64_t> written{0};
  std::atomic<bool> failed{false};
  Clock::time_point finished;
};

bool AllZero(const std::byte* p, size_t n) {
  const auto* w = reinterpret_cast<const uint64_t*>(p);
  size_t words = n / 8;
  for (size_t i = 0; i < words; ++i) {
    if (w[i] != 0) return false;
  }
  for (size_t i = words * 8; i < n; ++i) {
    if (p[i] != std::byte{0}) return false;
  }
  return true;
}

// Writes the runs of non-zero 4 KiB pages; zero pages stay holes of the (fresh) file.
absl::Status WriteSkippingZeroPages(device::Target& target, std::span<const std::byte> data,
                                    uint64_t offset) {
  constexpr size_t kPage = 4096;
  size_t i = 0;
  while (i < data.size()) {
    size_t n = std::min(kPage, data.size() - i);
    if (AllZero(data.data() + i, n)) {
      i += n;
      continue;
    }
    size_t start = i;
    while (i < data.size()) {
      n = std::min(kPage, data.size() - i);
      if (AllZero(data.data() + i, n)) break;
      i += n;
    }
    if (auto s = device::WriteFully(target, data.subspan(start, i - start), offset + start);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

void RecordFailure(TargetState& t, const absl::Status& s, uint64_t offset) {
  std::lock_guard lock(t.mu);
  if (t.status.ok() || (t.error_offset && offset < *t.error_offset)) {
    t.status = s;
    t.error_offset = offset;
  }
  t.failed = true;
}

}  // namespace

bool CopyReport::all_ok() const {
  if (cancelled) return false;
  for (const auto& t : targets) {
    if (!t.status.ok()) return false;
  }
  return true;
}

absl::StatusOr<CopyReport> StreamLayout(const Layout& layout,
                                        std::span<device::Target* const> targets,
                                        const CopyOptions& options) {
  CopyReport report;
  const uint64_t total = layout.total_size();
  // Pre-flight: every target must hold the layout before any byte is written anywhere.
  for (device::Target* t : targets) {
    if (t->is_block_device() && t->size() < total) {
      return absl::OutOfRangeError(absl::StrCat(t->path(), ": target holds ", t->size(),
                                                " bytes but the image needs ", total,
                                                "; nothing was written"));
    }
  }
  for (device::Target* t : targets) {
    if (!t->is_block_device() && options.resize_files) {
      if (auto s = t->Resize(total); !s.ok()) return s;
    }
  }

  const size_t block = std::max<size_t>(options.block_size, 4096);
  const int nbuf = std::max(2, options.buffers);
  SlotPool pool(nbuf, block);
  std::vector<std::unique_ptr<TargetState>> states;
  for (device::Target* t : targets) {
    states.push_back(std::make_unique<TargetState>());
    states.back()->target = t;
  }

  // Writers: enough threads per target to keep more than one write in flight.
  const int writers_per_target = std::max(2, nbuf / 2 / std::max<int>(1, targets.size()));
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (auto& st : states) {
    for (int w = 0; w < writers_per_target; ++w) {
      const bool sparse = options.sparse_zero_pages && !st->target->is_block_device();
      threads.emplace_back([&pool, sparse, state = st.get()] {
        while (auto slot = state->queue.Pop()) {
          Slot* s = *slot;
          if (!state->failed) {
            auto status =
                sparse ? WriteSkippingZeroPages(*state->target, s->buffer.span().first(s->length),
                                                s->chunk.offset)
                       : device::WriteFully(*state->target, s->buffer.span().first(s->length),
                                            s->chunk.offset);
            if (status.ok()) {
              state->written += s->length;
            } else {
              RecordFailure(*state, status, s->chunk.offset);
            }
          }
          pool.Release(s);
        }
      });
    }
  }

  // The image's SHA-256 on its own thread, in order, gaps as zeros.
  WorkQueue<Slot*> hash_queue;
  std::optional<Sha256> sha;
  std::thread hasher;
  if (options.sha256) {
    sha.emplace();
    hasher = std::thread([&] {
      device::AlignedBuffer zeros;
      while (auto slot = hash_queue.Pop()) {
        Slot* s = *slot;
        if (s->chunk.write) {
          sha->Update(s->buffer.span().first(s->length));
        } else {
          if (zeros.size() < s->length) {
            zeros = device::AlignedBuffer(block);
            std::memset(zeros.data(), 0, zeros.size());
          }
          sha->Update(zeros.span().first(s->length));
        }
        pool.Release(s);
      }
    });
  }

  absl::Status source_status;
  LayoutReader reader(layout);
  ChunkCursor cursor(layout, block, options.skip_zero_extents, options.sha256);
  const uint64_t progress_total = cursor.write_bytes();
  uint64_t streamed = 0;
  auto last_progress = Clock::now();
  while (auto chunk = cursor.Next()) {
    if (options.cancel && options.cancel->load()) {
      report.cancelled = true;
      break;
    }
    bool all_failed = !states.empty() && std::all_of(states.begin(), states.end(),
                                                     [](auto& s) { return s->failed.load(); });
    if (all_failed && !options.sha256) break;
    Slot* s = pool.Acquire();
    s->chunk = *chunk;
    s->length = chunk->length;
    bool ended = false;
    if (chunk->write) {
      auto filled = reader.Fill(chunk->offset, s->buffer.span().first(chunk->length));
      if (!filled.ok()) {
        source_status = filled.status();
        s->pending = 1;
        pool.Release(s);
        break;
      }
      s->length = *filled;
      ended = chunk->open_ended && *filled < chunk->length;
      if (options.block_digests && s->length > 0) {
        report.digests.push_back({chunk->offset, static_cast<uint32_t>(s->length),
                                  XXH3_64bits(s->buffer.data(), s->length)});
      }
    }
    int consumers = (chunk->write ? static_cast<int>(states.size()) : 0) + (options.sha256 ? 1 : 0);
    if (s->length == 0 || consumers == 0) {
      s->pending = 1;
      pool.Release(s);
    } else {
      s->pending = consumers;
      if (chunk->write) {
        for (auto& st : states) st->queue.Push(s);
        streamed += s->length;
      }
      if (options.sha256) hash_queue.Push(s);
    }
    if (options.progress && Clock::now() - last_progress > std::chrono::milliseconds(200)) {
      last_progress = Clock::now();
      options.progress(streamed, progress_total);
    }
    if (ended) break;
  }
  for (auto& st : states) st->queue.Close();
  hash_queue.Close();
  for (auto& th : threads) th.join();
  if (hasher.joinable()) hasher.join();

  if (!source_status.ok()) {
    // The source failed: targets hold a partial write; say how far it got.
    return absl::Status(source_status.code(),
                        absl::StrCat(source_status.message(), " (", streamed,
                                     " bytes had been streamed to the targets)"));
  }
  if (options.progress) options.progress(streamed, std::max(progress_total, streamed));
  report.bytes = streamed;
  for (auto& st : states) {
    if (options.flush && !st->failed && !report.cancelled) {
      if (auto s = st->target->Flush(); !s.ok()) RecordFailure(*st, s, st->written.load());
    }
    TargetReport tr;
    tr.path = st->target->path();
    tr.bytes_written = st->written.load();
    tr.seconds = SecondsSince(t0);
    tr.status = st->status;
    tr.error_offset = st->error_offset;
    report.targets.push_back(std::move(tr));
  }
  if (sha && !report.cancelled) report.sha256 = sha->FinalHex();
  return report;
}

absl::StatusOr<VerifyReport> VerifyLayout(const Layout& layout, device::Target& target,
                                          const VerifyOptions& options) {
  VerifyReport report;
  const auto t0 = Clock::now();
  if (options.drop_cache) {
    if (auto s = target.DropCache(); !s.ok()) return s;
  }
  const size_t block = std::max<size_t>(options.block_size, 4096);
  const int nthreads = options.threads > 0
                           ? options.threads
                           : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  // Expected content is produced in order (streams are sequential); workers read the target
  // and compare. Each slot holds the expected bytes and a buffer for what the target holds.
  struct VSlot {
    device::AlignedBuffer expected, actual;
    Chunk chunk;
    size_t length = 0;
  };
  std::vector<std::unique_ptr<VSlot>> slots(nthreads * 2);
  WorkQueue<VSlot*> free_slots, work;
  for (auto& s : slots) {
    s = std::make_unique<VSlot>();
    s->expected = device::AlignedBuffer(block);
    s->actual = device::AlignedBuffer(block);
    free_slots.Push(s.get());
  }
  std::mutex mu;
  absl::Status read_error;
  std::optional<uint64_t> first_mismatch;
  std::atomic<uint64_t> compared{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < nthreads; ++w) {
    workers.emplace_back([&] {
      while (auto item = work.Pop()) {
        VSlot* s = *item;
        auto actual = s->actual.span().first(s->length);
        absl::Status st = device::ReadFully(target, actual, s->chunk.offset);
        if (!st.ok()) {
          std::lock_guard lock(mu);
          if (read_error.ok()) read_error = st;
        } else if (std::memcmp(actual.data(), s->expected.data(), s->length) != 0) {
          size_t i = 0;
          while (actual[i] == s->expected.span()[i]) ++i;
          std::lock_guard lock(mu);
          uint64_t off = s->chunk.offset + i;
          if (!first_mismatch || off < *first_mismatch) first_mismatch = off;
        }
        compared += s->length;
        free_slots.Push(s);
      }
    });
  }

  absl::Status source_status;
  LayoutReader reader(layout);
  ChunkCursor cursor(layout, block, false, false);
  uint64_t queued = 0;
  auto last_progress = Clock::now();
  const uint64_t range_end =
      options.range_length == UINT64_MAX ? UINT64_MAX : options.range_start + options.range_length;
  while (auto chunk = cursor.Next()) {
    if (options.cancel && options.cancel->load()) {
      report.cancelled = true;
      break;
    }
    if (chunk->offset >= range_end) break;
    if (chunk->offset + chunk->length <= options.range_start) continue;
    VSlot* s = *free_slots.Pop();
    auto filled = reader.Fill(chunk->offset, s->expected.span().first(chunk->length));
    if (!filled.ok()) {
      source_status = filled.status();
      break;
    }
    if (*filled == 0) break;
    s->chunk = *chunk;
    s->length = *filled;
    queued += *filled;
    work.Push(s);
    if (options.progress && Clock::now() - last_progress > std::chrono::milliseconds(200)) {
      last_progress = Clock::now();
      options.progress(compared.load(), cursor.write_bytes());
    }
    if (chunk->open_ended && *filled < chunk->length) break;
  }
  work.Close();
  for (auto& th : workers) th.join();
  if (!source_status.ok()) return source_status;
  if (!read_error.ok()) return read_error;
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
  Layout whole(length);
  // Reading the target through a layout would read it twice; read it directly instead,
  // a few blocks ahead on worker threads, hashing in order here.
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
  Sha256 sha;
  uint64_t next_issue = 0, next_hash = 0;
  absl::Status status;
  std::vector<HSlot*> completed;
  size_t ring_pos = 0;
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
  (void)ring_pos;
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
