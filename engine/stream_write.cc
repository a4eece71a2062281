#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "device/aligned_buffer.h"
#include "device/errors.h"
#include "device/sha256.h"
#include "engine/chunk_cursor.h"
#include "engine/layout_reader.h"
#include "engine/stage_trace.h"
#include "engine/stream_copy.h"
#include "engine/work_queue.h"

// The write path: one read of a layout feeds every target.
//
//   coordinator ──chunks──▶ fill workers ──filled buffers──▶ per-target writer threads
//                           (observer)   └──────────────────▶ SHA-256 thread (in order)
//
// The coordinator cuts the layout into block-size chunks and takes a free buffer for each, in
// order. Fill workers read the chunk's bytes (files, memory, zeros) into it; with a stream in
// the layout (a decompressor) there is one filler, reading in order. Filled buffers go to every
// target's queue (positioned writes: order does not matter) and to the hash thread, which puts
// them back in order by sequence number. An observer (CopyOptions::observe) runs on the fill
// worker itself once the buffer is with the writers. A buffer returns to the pool when its last
// consumer is done, so memory stays at `buffers` x `block_size` whatever the image size.
namespace mediaforge::engine {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Slot {
  device::AlignedBuffer buffer;
  Chunk chunk;
  uint64_t seq = 0;
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
  // Delta: what was compared/rewritten, and when writes were in flight.
  std::atomic<uint64_t> compared{0};
  std::vector<ByteSpan> rewritten;  // guarded by mu
  int writes_in_flight = 0;         // guarded by mu
  Clock::time_point busy_since;     // guarded by mu
  double busy_seconds = 0;          // guarded by mu
  WorkQueue<Slot*> queue;
  std::mutex mu;
  absl::Status status;
  std::optional<uint64_t> error_offset;
  std::atomic<uint64_t> written{0};
  std::atomic<bool> failed{false};
};

void RecordFailure(TargetState& t, const absl::Status& s, uint64_t offset) {
  std::lock_guard lock(t.mu);
  if (t.status.ok() || (t.error_offset && offset < *t.error_offset)) {
    t.status = s;
    t.error_offset = offset;
  }
  t.failed = true;
}

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

// Delta (CopyOptions::delta): reads what the target holds at `offset` into `scratch`, then
// writes the runs of `granule`-byte pages that differ from `data`. Writes are timed so the
// report can give the measured write rate.
absl::Status WriteDifferences(TargetState& t, std::span<const std::byte> data, uint64_t offset,
                              size_t granule, device::AlignedBuffer& scratch) {
  if (scratch.size() < data.size()) scratch = device::AlignedBuffer(data.size());
  auto held = scratch.span().first(data.size());
  const bool readable = offset + data.size() <= t.target->size();
  if (readable) {
    if (auto s = device::ReadFully(*t.target, held, offset); !s.ok()) return s;
    t.compared += data.size();
  }
  size_t i = 0;
  while (i < data.size()) {
    size_t n = std::min(granule, data.size() - i);
    if (readable && std::memcmp(data.data() + i, held.data() + i, n) == 0) {
      i += n;
      continue;
    }
    size_t start = i;
    while (i < data.size()) {
      n = std::min(granule, data.size() - i);
      if (readable && std::memcmp(data.data() + i, held.data() + i, n) == 0) break;
      i += n;
    }
    {
      std::lock_guard lock(t.mu);
      if (t.writes_in_flight++ == 0) t.busy_since = Clock::now();
    }
    auto s = device::WriteFully(*t.target, data.subspan(start, i - start), offset + start);
    {
      std::lock_guard lock(t.mu);
      if (--t.writes_in_flight == 0) t.busy_seconds += SecondsSince(t.busy_since);
      if (s.ok()) t.rewritten.push_back({offset + start, i - start});
    }
    if (!s.ok()) return s;
    t.written += i - start;
  }
  return absl::OkStatus();
}

// A file range big enough for LayoutReader's O_DIRECT reads (an image, a device).
bool HasLargeFileRange(const Layout& layout) {
  for (const Extent& e : layout.extents()) {
    if (std::holds_alternative<FileRange>(e.source) && e.length >= (16u << 20)) return true;
  }
  return false;
}

// Everything the threads of one StreamLayout call share.
class WritePipeline {
 public:
  WritePipeline(const Layout& layout, std::span<device::Target* const> targets,
                const CopyOptions& options)
      : layout_(layout),
        options_(options),
        block_(std::max<size_t>(options.block_size, 4096)),
        pool_(std::max(2, options.buffers), block_) {
    for (device::Target* t : targets) {
      states_.push_back(std::make_unique<TargetState>());
      states_.back()->target = t;
    }
  }

  absl::StatusOr<CopyReport> Run();

 private:
  void StartWriters();
  void StartHasher();
  void Fill(LayoutReader& reader, Slot* s);
  // Hands `s` to the writers and the hasher; `observer`: the caller holds one more reference
  // (it observes the buffer, then releases it).
  void Dispatch(Slot* s, bool observer = false);
  void SetSourceError(const absl::Status& s);
  bool AllTargetsFailed() const;

  const Layout& layout_;
  const CopyOptions& options_;
  const size_t block_;
  SlotPool pool_;
  std::vector<std::unique_ptr<TargetState>> states_;
  std::vector<std::thread> threads_;

  WorkQueue<Slot*> hash_queue_;
  std::optional<device::Sha256> sha_;
  std::thread hasher_;

  std::mutex mu_;  // guards source_status_ and digests_
  absl::Status source_status_;
  std::atomic<bool> source_failed_{false};
  std::vector<BlockDigest> digests_;
  std::atomic<uint64_t> streamed_{0};
  std::atomic<bool> stream_ended_{false};
  StageTrace trace_{"write"};
};

void WritePipeline::StartWriters() {
  // Enough writers per target to keep more than one write in flight.
  const int per_target =
      std::max(2, std::max(2, options_.buffers) / 2 / std::max<int>(1, states_.size()));
  for (auto& st : states_) {
    const bool sparse = options_.sparse_zero_pages && !st->target->is_block_device();
    for (int w = 0; w < per_target; ++w) {
      threads_.emplace_back([this, sparse, state = st.get()] {
        device::AlignedBuffer delta_scratch;
        for (;;) {
          std::optional<Slot*> slot;
          {
            StageTrace::Op idle(trace_, Stage::kWriterIdle);
            slot = state->queue.Pop();
          }
          if (!slot) break;
          Slot* s = *slot;
          if (!state->failed) {
            StageTrace::Op op(trace_, Stage::kTargetWrite);
            auto data = s->buffer.span().first(s->length);
            auto status =
                options_.delta
                    ? WriteDifferences(*state, data, s->chunk.offset,
                                       std::max<size_t>(options_.delta_granule, 512), delta_scratch)
                : sparse ? WriteSkippingZeroPages(*state->target, data, s->chunk.offset)
                         : device::WriteFully(*state->target, data, s->chunk.offset);
            if (status.ok()) {
              if (!options_.delta) state->written += s->length;  // delta counts its own
            } else {
              // The exact sector when the device named one (device/failing_sector.h).
              RecordFailure(*state, status, device::ErrorOffset(status).value_or(s->chunk.offset));
            }
          }
          pool_.Release(s);
        }
      });
    }
  }
}

// The image's SHA-256, in order: buffers may arrive out of order from several fill workers and
// wait here until their turn. The coordinator hands out buffers in order, so the next one in
// sequence always has a buffer and the wait cannot deadlock. Gaps hash as zeros.
void WritePipeline::StartHasher() {
  if (!options_.sha256) return;
  sha_.emplace();
  hasher_ = std::thread([this] {
    device::AlignedBuffer zeros;
    std::map<uint64_t, Slot*> waiting;
    uint64_t next = 0;
    while (auto slot = hash_queue_.Pop()) {
      waiting.emplace((*slot)->seq, *slot);
      for (auto it = waiting.begin(); it != waiting.end() && it->first == next;
           it = waiting.erase(it), ++next) {
        Slot* s = it->second;
        StageTrace::Op op(trace_, Stage::kHash);
        if (s->chunk.write) {
          sha_->Update(s->buffer.span().first(s->length));
        } else {
          if (zeros.size() < s->length) {
            zeros = device::AlignedBuffer(block_);
            std::memset(zeros.data(), 0, zeros.size());
          }
          sha_->Update(zeros.span().first(s->length));
        }
        pool_.Release(s);
      }
    }
    for (auto& [seq, s] : waiting) pool_.Release(s);  // stopped early (error, cancel)
  });
}

void WritePipeline::SetSourceError(const absl::Status& s) {
  std::lock_guard lock(mu_);
  if (source_status_.ok()) source_status_ = s;
  source_failed_ = true;
}

bool WritePipeline::AllTargetsFailed() const {
  return !states_.empty() &&
         std::all_of(states_.begin(), states_.end(), [](auto& s) { return s->failed.load(); });
}

void WritePipeline::Fill(LayoutReader& reader, Slot* s) {
  if (s->chunk.write && !source_failed_) {
    absl::StatusOr<size_t> filled;
    {
      StageTrace::Op op(trace_, Stage::kSourceRead);
      filled = reader.Fill(s->chunk.offset, s->buffer.span().first(s->chunk.length));
    }
    if (!filled.ok()) {
      SetSourceError(filled.status());
      s->length = 0;
    } else {
      s->length = *filled;
      if (s->chunk.open_ended && *filled < s->chunk.length) {
        stream_ended_ = true;
        s->chunk.length = *filled;  // the stream's end: nothing lies beyond for the observer
      }
      if (options_.block_digests && s->length > 0) {
        uint64_t h = XXH3_64bits(s->buffer.data(), s->length);
        std::lock_guard lock(mu_);
        digests_.push_back({s->chunk.offset, static_cast<uint32_t>(s->length), h});
      }
    }
  }
  if (!options_.observe || !s->chunk.write) {
    Dispatch(s);
    return;
  }
  // The observer runs here, on this fill worker, while the writers write the buffer: several
  // workers observe at once (CopyOptions::observe), so hashing the files of the chunks does not
  // queue behind one thread holding the buffers (issue 10: the manifest's SHA-256).
  const bool lost = source_failed_.load();
  Dispatch(s, /*observer=*/true);
  {
    StageTrace::Op op(trace_, Stage::kHash);
    options_.observe(s->chunk.offset, s->chunk.length,
                     lost ? std::span<const std::byte>() : s->buffer.span().first(s->length));
  }
  pool_.Release(s);
}

void WritePipeline::Dispatch(Slot* s, bool observer) {
  const bool write = s->chunk.write && s->length > 0 && !source_failed_;
  const bool hash = options_.sha256;
  int consumers =
      (write ? static_cast<int>(states_.size()) : 0) + (hash ? 1 : 0) + (observer ? 1 : 0);
  if (consumers == 0) {
    s->pending = 1;
    pool_.Release(s);
    return;
  }
  s->pending = consumers;
  if (write) {
    streamed_ += s->length;
    for (auto& st : states_) st->queue.Push(s);
  }
  if (hash) hash_queue_.Push(s);
}

absl::StatusOr<CopyReport> WritePipeline::Run() {
  CopyReport report;
  const auto t0 = Clock::now();
  StartWriters();
  StartHasher();

  // Fill workers: several for files/memory/zeros; one, in order, when a stream is involved.
  const bool sequential = HasStream(layout_);
  int fillers = options_.fill_threads;
  const bool direct = options_.direct_source_reads && HasLargeFileRange(layout_);
  if (fillers <= 0) {
    fillers = direct ? 3 : options_.sha256 || layout_.extents().size() < 64 ? 1 : 2;
  }
  if (sequential) fillers = 0;
  WorkQueue<Slot*> fill_queue;
  std::vector<std::thread> fill_threads;
  for (int i = 0; i < fillers; ++i) {
    fill_threads.emplace_back([this, &fill_queue, direct] {
      LayoutReader reader(layout_, direct);
      while (auto s = fill_queue.Pop()) Fill(reader, *s);
    });
  }
  LayoutReader own_reader(layout_);

  ChunkCursor cursor(layout_, block_, options_.skip_zero_extents, options_.sha256);
  const uint64_t progress_total = cursor.write_bytes();
  auto last_progress = Clock::now();
  uint64_t seq = 0;
  uint64_t shown_to = 0;  // the observer has been shown everything before this offset
  while (auto chunk = cursor.Next()) {
    if (options_.cancel && options_.cancel->load()) {
      report.cancelled = true;
      break;
    }
    if (source_failed_ || stream_ended_) break;
    if (AllTargetsFailed() && !options_.sha256) break;
    Slot* s;
    {
      StageTrace::Op wait(trace_, Stage::kBufferWait);
      s = pool_.Acquire();
    }
    if (options_.observe) {
      // What is not written is shown with no bytes, so an observer never waits for it.
      if (chunk->offset > shown_to) options_.observe(shown_to, chunk->offset - shown_to, {});
      if (!chunk->write) options_.observe(chunk->offset, chunk->length, {});
      shown_to = chunk->offset + chunk->length;
    }
    s->chunk = *chunk;
    s->seq = seq++;
    s->length = chunk->write ? 0 : chunk->length;
    if (!chunk->write) {
      Dispatch(s);  // a gap: hashed as zeros, never written
    } else if (sequential) {
      Fill(own_reader, s);
    } else {
      fill_queue.Push(s);
    }
    if (options_.progress && Clock::now() - last_progress > std::chrono::milliseconds(200)) {
      last_progress = Clock::now();
      options_.progress(streamed_.load(), progress_total);
    }
  }
  fill_queue.Close();
  for (auto& th : fill_threads) th.join();
  for (auto& st : states_) st->queue.Close();
  hash_queue_.Close();
  for (auto& th : threads_) th.join();
  if (hasher_.joinable()) hasher_.join();

  const uint64_t streamed = streamed_.load();
  if (!source_status_.ok()) {
    // The source failed: targets hold a partial write; say how far it got.
    return absl::Status(source_status_.code(),
                        absl::StrCat(source_status_.message(), " (", streamed,
                                     " bytes had been streamed to the targets)"));
  }
  if (options_.progress) options_.progress(streamed, std::max(progress_total, streamed));
  report.bytes = streamed;
  for (auto& st : states_) {
    if (options_.flush && !st->failed && !report.cancelled) {
      if (auto s = st->target->Flush(); !s.ok()) RecordFailure(*st, s, st->written.load());
    }
    TargetReport tr;
    tr.path = st->target->path();
    tr.bytes_written = st->written.load();
    tr.seconds = SecondsSince(t0);
    tr.status = st->status;
    tr.error_offset = st->error_offset;
    tr.bytes_compared = st->compared.load();
    std::sort(st->rewritten.begin(), st->rewritten.end(),
              [](const ByteSpan& a, const ByteSpan& b) { return a.offset < b.offset; });
    for (const ByteSpan& r : st->rewritten) {
      if (!tr.rewritten.empty() &&
          tr.rewritten.back().offset + tr.rewritten.back().length == r.offset) {
        tr.rewritten.back().length += r.length;
      } else {
        tr.rewritten.push_back(r);
      }
    }
    tr.write_busy_seconds = st->busy_seconds;
    report.targets.push_back(std::move(tr));
  }
  std::sort(digests_.begin(), digests_.end(),
            [](const BlockDigest& a, const BlockDigest& b) { return a.offset < b.offset; });
  report.digests = std::move(digests_);
  if (sha_ && !report.cancelled) report.sha256 = sha_->FinalHex();
  return report;
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
  WritePipeline pipeline(layout, targets, options);
  return pipeline.Run();
}

}  // namespace mediaforge::engine
