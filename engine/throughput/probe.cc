#include "engine/throughput/probe.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "device/aligned_buffer.h"
#include "engine/throughput/keyed_block.h"

namespace mediaforge::engine::throughput {
namespace {

bool IsMediaError(const absl::Status& s) { return absl::IsDataLoss(s); }

struct Verdict {
  bool good = true;
  BadRegion why;  // when !good: kind, found_offset, found (offset filled by the caller)
};

Verdict Bad(RegionKind kind, std::optional<uint64_t> found_offset, std::string found) {
  return {false, BadRegion{0, 0, kind, found_offset, std::move(found)}};
}

class Prober {
 public:
  Prober(device::Target& target, const ProbeOptions& options, uint64_t tested, ProbeReport& report)
      : target_(target),
        options_(options),
        tested_(tested),
        groups_((tested + options.group - 1) / options.group),
        report_(report),
        unit_(kKeyedUnit) {}

  uint64_t groups() const { return groups_; }

  // Probes group g; an error is returned only for failures that are not a bad spot.
  absl::StatusOr<bool> Test(uint64_t g) {
    const uint64_t at = std::min((g + 1) * options_.group, tested_) - kKeyedUnit;
    absl::StatusOr<Verdict> v = Probe(at);
    if (!v.ok()) return v.status();
    report_.points.push_back({at, v->good, v->good ? "" : v->why.found});
    if (v->good) {
      witnesses_.push_back(at);
    } else if (!report_.first_bad || g * options_.group < report_.first_bad->offset) {
      report_.first_bad = v->why;
      report_.first_bad->offset = g * options_.group;
      report_.first_bad->length = std::min(options_.group, tested_ - g * options_.group);
    }
    return v->good;
  }

  // Writes back every saved unit, newest first; records the outcome in the report.
  void Restore() {
    if (options_.destructive) return;
    absl::Status first;
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      absl::Status s = device::WriteFully(target_, it->second.span(), it->first);
      ++report_.writes;
      if (!s.ok() && first.ok()) first = s;
    }
    if (first.ok()) first = target_.Flush();
    report_.restored = first.ok();
    if (!first.ok()) report_.restore_error = std::string(first.message());
  }

 private:
  absl::Status Read(uint64_t at) {
    ++report_.reads;
    return device::ReadFully(target_, unit_.span(), at);
  }
  absl::Status Write(uint64_t at) {
    ++report_.writes;
    FillKeyed(unit_.span(), report_.seed, at);
    return device::WriteFully(target_, unit_.span(), at);
  }

  absl::StatusOr<Verdict> Probe(uint64_t at) {
    // (1) A unit written for a lower offset already sits here: this address wraps onto it.
    if (absl::Status s = Read(at); !s.ok()) {
      if (!IsMediaError(s)) return s;
      return Bad(RegionKind::kIoError, std::nullopt, "read failed: " + std::string(s.message()));
    }
    UnitVerdict before = CheckUnit(unit_.span(), report_.seed, at);
    if (before.state == UnitState::kAliased && before.found_offset < at) {
      return Bad(RegionKind::kAliased, before.found_offset, DescribeUnit(before));
    }
    if (!options_.destructive) {
      saved_.emplace_back(at, device::AlignedBuffer(kKeyedUnit));
      std::copy_n(unit_.data(), kKeyedUnit, saved_.back().second.data());
    }
    // (2) It must read back.
    if (absl::Status s = Write(at); !s.ok()) {
      if (!IsMediaError(s)) return s;
      // Refused by the medium: nothing to restore there (writing it back would fail the same).
      if (!options_.destructive) saved_.pop_back();
      return Bad(RegionKind::kIoError, std::nullopt, "write failed: " + std::string(s.message()));
    }
    Verdict verdict;
    if (absl::Status s = Read(at); !s.ok()) {
      if (!IsMediaError(s)) return s;
      verdict = Bad(RegionKind::kIoError, std::nullopt, "read failed: " + std::string(s.message()));
    } else if (UnitVerdict v = CheckUnit(unit_.span(), report_.seed, at);
               v.state != UnitState::kGood) {
      verdict = Bad(v.state == UnitState::kAliased ? RegionKind::kAliased : RegionKind::kMismatch,
                    v.state == UnitState::kAliased ? std::optional(v.found_offset) : std::nullopt,
                    DescribeUnit(v));
    }
    // (3) No witness may have changed; a changed one is repaired for the probes still to come.
    for (uint64_t w : witnesses_) {
      if (absl::Status s = Read(w); !s.ok()) return s;
      UnitVerdict v = CheckUnit(unit_.span(), report_.seed, w);
      if (v.state == UnitState::kGood) continue;
      if (verdict.good) {
        verdict =
            Bad(RegionKind::kAliased, w,
                absl::StrCat("writing here changed offset ", w, " (now ", DescribeUnit(v), ")"));
      }
      if (absl::Status s = Write(w); !s.ok()) return s;
    }
    return verdict;
  }

  device::Target& target_;
  const ProbeOptions& options_;
  const uint64_t tested_;
  const uint64_t groups_;
  ProbeReport& report_;
  device::AlignedBuffer unit_;
  std::vector<uint64_t> witnesses_;
  std::vector<std::pair<uint64_t, device::AlignedBuffer>> saved_;
};

// Groups 0, 1, 2, 4, ... and the last find the first bad one; bisection narrows it to one group.
// Returns the number of good groups from the start (when cancelled: known good so far).
absl::StatusOr<uint64_t> Search(Prober& prober, const std::atomic<bool>* cancel, bool* cancelled) {
  const uint64_t n = prober.groups();
  auto good = prober.Test(0);
  if (!good.ok()) return good.status();
  if (!*good) return 0;
  std::vector<uint64_t> doubling;
  for (uint64_t g = 1; g < n - 1; g *= 2) doubling.push_back(g);
  if (n > 1) doubling.push_back(n - 1);
  uint64_t lo = 0, hi = n;  // lo: good; hi: bad (n: none found yet)
  auto step = [&](uint64_t g) -> absl::Status {
    if (cancel != nullptr && cancel->load()) {
      *cancelled = true;
      return absl::OkStatus();
    }
    auto ok = prober.Test(g);
    if (!ok.ok()) return ok.status();
    (*ok ? lo : hi) = g;
    return absl::OkStatus();
  };
  for (uint64_t g : doubling) {
    if (absl::Status s = step(g); !s.ok()) return s;
    if (hi != n || *cancelled) break;
  }
  if (hi == n) return *cancelled ? lo + 1 : n;
  while (hi - lo > 1 && !*cancelled) {
    if (absl::Status s = step(lo + (hi - lo) / 2); !s.ok()) return s;
  }
  return *cancelled ? lo + 1 : hi;
}

}  // namespace

absl::StatusOr<ProbeReport> RunProbe(device::Target& target, const ProbeOptions& options) {
  ProbeReport report;
  report.declared_bytes = target.size();
  if (options.group < kKeyedUnit || options.group % kKeyedUnit != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("probe group ", options.group, " is not a multiple of ", kKeyedUnit));
  }
  absl::StatusOr<uint64_t> keyed = KeyedBytes(target, "probe");
  if (!keyed.ok()) return keyed.status();
  const uint64_t tested = *keyed;
  report.group_bytes = options.group;
  report.seed = options.seed != 0 ? options.seed : FreshSeed();
  auto start = std::chrono::steady_clock::now();
  Prober prober(target, options, tested, report);
  absl::StatusOr<uint64_t> good_groups = Search(prober, options.cancel, &report.cancelled);
  prober.Restore();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!good_groups.ok()) {
    absl::Status s = good_groups.status();
    std::string restore =
        options.destructive ? ""
        : report.restored   ? " (original blocks restored)"
                          : " (restoring the original blocks failed: " + report.restore_error + ")";
    return absl::Status(s.code(), absl::StrCat(s.message(), restore));
  }
  report.usable_bytes = std::min(*good_groups * options.group, report.declared_bytes);
  if (!report.first_bad && !report.cancelled) report.usable_bytes = report.declared_bytes;
  // A drive that loses or wraps data past some point is fake; one unreadable spot is bad media.
  report.fake = report.first_bad && report.first_bad->kind != RegionKind::kIoError;
  return report;
}

}  // namespace mediaforge::engine::throughput
