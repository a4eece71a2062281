#include "engine/throughput/full_check.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "absl/strings/str_cat.h"
#include "device/aligned_buffer.h"
#include "engine/throughput/keyed_block.h"
#include "engine/throughput/unit_classifier.h"

namespace mediaforge::engine::throughput {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// EIO: a bad spot on the medium, recorded and skipped. Anything else (a vanished device, a full
// file system) ends the pass.
bool IsMediaError(const absl::Status& s) { return absl::IsDataLoss(s); }

// After this many failing units in a row, the rest of a failed chunk is marked bad without
// trying each unit (a dead stretch of flash can take seconds per error).
constexpr int kMaxConsecutiveUnitFailures = 8;

class FullPass {
 public:
  FullPass(device::Target& target, const FullOptions& options, uint64_t tested, size_t chunk,
           IoQueue& queue, std::vector<device::AlignedBuffer>& buffers, FullReport& report)
      : target_(target),
        options_(options),
        tested_(tested),
        chunk_(chunk),
        queue_(queue),
        buffers_(buffers),
        report_(report),
        slot_length_(buffers.size()),
        unit_(kKeyedUnit) {
    int samples = std::max(1, options.samples);
    uint64_t seg = (tested + samples - 1) / samples;
    seg = std::max<uint64_t>((seg + chunk - 1) / chunk * chunk, chunk);
    for (uint64_t at = 0; at < tested; at += seg)
      segments_.push_back({at, std::min(seg, tested - at)});
    report_.samples.resize(segments_.size());
    for (size_t i = 0; i < segments_.size(); ++i) {
      report_.samples[i].offset = segments_[i].offset;
      report_.samples[i].length = segments_[i].length;
    }
  }

  // Writes every segment, checking the sentinels after each; false when cancelled.
  absl::StatusOr<bool> Fill() {
    for (size_t i = 0; i < segments_.size(); ++i) {
      if (Cancelled()) return false;
      Clock::time_point start = Clock::now();
      if (absl::Status s = PumpSegment(segments_[i], true); !s.ok()) return s;
      report_.samples[i].write_mb_per_s = segments_[i].length / SecondsSince(start) / 1e6;
      CheckSentinels(i);
    }
    if (Cancelled()) return false;
    std::sort(write_failed_.begin(), write_failed_.end(),
              [](const ByteRange& a, const ByteRange& b) { return a.offset < b.offset; });
    if (absl::Status s = target_.Flush(); !s.ok()) return s;
    return true;
  }

  absl::StatusOr<bool> ReadBack() {
    classifier_.emplace(report_.seed, report_.aliasing_from, write_failed_);
    for (size_t i = 0; i < segments_.size(); ++i) {
      if (Cancelled()) return false;
      Clock::time_point start = Clock::now();
      if (absl::Status s = PumpSegment(segments_[i], false); !s.ok()) return s;
      report_.samples[i].read_mb_per_s = segments_[i].length / SecondsSince(start) / 1e6;
    }
    return !Cancelled();
  }

 private:
  bool Cancelled() const { return options_.cancel != nullptr && options_.cancel->load(); }

  void Progress(uint64_t bytes, bool reading) {
    done_ += bytes;
    if (options_.progress) options_.progress({reading, done_, 2 * tested_});
  }

  absl::Status PumpSegment(const ByteRange& seg, bool write) {
    uint64_t cursor = seg.offset;
    const uint64_t end = seg.offset + seg.length;
    std::map<uint64_t, ChunkFindings> ready;  // read-back results waiting for their turn
    uint64_t in_order = seg.offset;
    NextOp next = [&](int slot) -> std::optional<IoOp> {
      if (cursor >= end) return std::nullopt;
      size_t len = static_cast<size_t>(std::min<uint64_t>(chunk_, end - cursor));
      if (write) FillKeyed({buffers_[slot].data(), len}, report_.seed, cursor);
      slot_length_[slot] = len;
      IoOp op{write, buffers_[slot].data(), len, cursor};
      cursor += len;
      return op;
    };
    OnDone done = [&](const IoDone& d) -> absl::Status {
      const size_t len = slot_length_[d.slot];
      if (!d.status.ok() && !IsMediaError(d.status)) return d.status;
      if (write) {
        if (!d.status.ok()) {
          if (absl::Status s = RetryWrite(d.offset, len); !s.ok()) return s;
        }
      } else {
        ChunkFindings f{d.offset, len};
        if (d.status.ok()) {
          for (size_t at = 0; at < len; at += kKeyedUnit) {
            classifier_->AddUnit(f, d.offset + at, {buffers_[d.slot].data() + at, kKeyedUnit});
          }
        } else if (absl::Status s = RetryRead(f); !s.ok()) {
          return s;
        }
        ready.emplace(d.offset, std::move(f));
        while (!ready.empty() && ready.begin()->first == in_order) {
          Merge(ready.begin()->second);
          in_order += ready.begin()->second.length;
          ready.erase(ready.begin());
        }
      }
      Progress(len, !write);
      return absl::OkStatus();
    };
    return Pump(queue_, next, done, options_.cancel);
  }

  void Merge(ChunkFindings& f) {
    report_.good_bytes += f.good_bytes;
    report_.overwritten_bytes += f.overwritten_bytes;
    for (BadRegion& r : f.bad) AppendRegion(report_.bad_regions, std::move(r));
  }

  // Tries each unit of a failed chunk on its own, so a bad spot is pinned to 4 KiB.
  absl::Status RetryUnits(uint64_t offset, uint64_t length,
                          const std::function<absl::Status(uint64_t)>& attempt,
                          const std::function<void(uint64_t, const absl::Status&)>& failed) {
    int in_a_row = 0;
    absl::Status last;
    for (uint64_t u = offset; u < offset + length; u += kKeyedUnit) {
      absl::Status s = in_a_row >= kMaxConsecutiveUnitFailures ? last : attempt(u);
      if (s.ok()) {
        in_a_row = 0;
        continue;
      }
      if (!IsMediaError(s)) return s;
      ++in_a_row;
      last = s;
      failed(u, s);
    }
    return absl::OkStatus();
  }

  absl::Status RetryWrite(uint64_t offset, uint64_t length) {
    return RetryUnits(
        offset, length,
        [&](uint64_t u) {
          FillKeyed(unit_.span(), report_.seed, u);
          return device::WriteFully(target_, unit_.span(), u);
        },
        [&](uint64_t u, const absl::Status&) {
          if (!write_failed_.empty() &&
              write_failed_.back().offset + write_failed_.back().length == u) {
            write_failed_.back().length += kKeyedUnit;
          } else {
            write_failed_.push_back({u, kKeyedUnit});
          }
        });
  }

  absl::Status RetryRead(ChunkFindings& f) {
    return RetryUnits(
        f.offset, f.length,
        [&](uint64_t u) {
          absl::Status s = device::ReadFully(target_, unit_.span(), u);
          if (s.ok()) classifier_->AddUnit(f, u, unit_.span());
          return s;
        },
        [&](uint64_t u, const absl::Status& s) {
          classifier_->AddUnreadable(f, u, std::string(s.message()));
        });
  }

  bool WriteFailed(uint64_t offset) const {
    return std::any_of(write_failed_.begin(), write_failed_.end(), [offset](const ByteRange& r) {
      return offset >= r.offset && offset < r.offset + r.length;
    });
  }

  // Re-reads offset 0 and the first unit of segments i-1, i-2, i-4, ...: one of them holding data
  // written for a later offset means that later write landed on earlier storage.
  void CheckSentinels(size_t i) {
    if (report_.aliasing_from) return;
    std::vector<uint64_t> sentinels = {0};
    for (size_t step = 1; step <= i; step *= 2) sentinels.push_back(segments_[i - step].offset);
    for (uint64_t at : sentinels) {
      if (WriteFailed(at) || !device::ReadFully(target_, unit_.span(), at).ok()) continue;
      UnitVerdict v = CheckUnit(unit_.span(), report_.seed, at);
      if (v.state == UnitState::kAliased && v.found_offset > at) {
        report_.aliasing_from =
            std::min(report_.aliasing_from.value_or(v.found_offset), v.found_offset);
      }
    }
  }

  device::Target& target_;
  const FullOptions& options_;
  const uint64_t tested_;
  const size_t chunk_;
  IoQueue& queue_;
  std::vector<device::AlignedBuffer>& buffers_;
  FullReport& report_;
  std::vector<ByteRange> segments_;
  std::vector<size_t> slot_length_;
  std::vector<ByteRange> write_failed_;
  std::optional<UnitClassifier> classifier_;
  device::AlignedBuffer unit_;
  uint64_t done_ = 0;
};

}  // namespace

absl::StatusOr<FullReport> RunFullCheck(device::Target& target, const FullOptions& options) {
  FullReport report;
  report.declared_bytes = target.size();
  absl::StatusOr<uint64_t> keyed = KeyedBytes(target, "test");
  if (!keyed.ok()) return keyed.status();
  const uint64_t tested = *keyed;
  const size_t chunk = std::max(kKeyedUnit, options.chunk / kKeyedUnit * kKeyedUnit);
  report.seed = options.seed != 0 ? options.seed : FreshSeed();

  // Buffers outlive the queue: the kernel may touch them until the queue is gone.
  std::vector<device::AlignedBuffer> buffers;
  for (int i = 0; i < std::max(1, options.queue_depth); ++i) buffers.emplace_back(chunk);
  auto choice = OpenIoQueue(target, static_cast<int>(buffers.size()), options.engine);
  if (!choice.ok()) return choice.status();
  report.engine = choice->queue->engine();
  report.engine_note = choice->fallback_reason;

  FullPass pass(target, options, tested, chunk, *choice->queue, buffers, report);
  Clock::time_point start = Clock::now();
  auto filled = pass.Fill();
  if (!filled.ok()) return filled.status();
  report.write_seconds = SecondsSince(start);
  if (!*filled) {
    report.cancelled = true;
    return report;
  }
  if (!target.direct()) {
    if (absl::Status s = target.DropCache(); !s.ok()) return s;
  }
  start = Clock::now();
  auto read = pass.ReadBack();
  if (!read.ok()) return read.status();
  report.read_seconds = SecondsSince(start);
  report.cancelled = !*read;
  report.usable_bytes = report.declared_bytes;
  if (!report.bad_regions.empty()) {
    report.first_bad_offset = report.bad_regions.front().offset;
    report.usable_bytes = *report.first_bad_offset;
  }
  return report;
}

}  // namespace mediaforge::engine::throughput
