#include "engine/station/stick_content.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/layout_reader.h"

namespace mediaforge::engine::station {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kHead = 1u << 20;
constexpr uint64_t kSampleBlock = 128u << 10;
constexpr int kSamples = 32;
constexpr uint64_t kStreamPrefix = 8u << 20;

struct Range {
  uint64_t offset = 0;
  uint64_t length = 0;
};

bool HasStream(const Layout& layout) {
  return std::any_of(layout.extents().begin(), layout.extents().end(),
                     [](const Extent& e) { return std::holds_alternative<Stream>(e.source); });
}

// Increasing, non-overlapping, page-aligned ranges within [0, total).
std::vector<Range> SampleRanges(const Layout& layout) {
  const uint64_t total = layout.total_size();
  std::vector<Range> out;
  if (HasStream(layout)) {
    // In order, a MiB at a time (memory: eight sticks in flight share 128 MiB).
    for (uint64_t at = 0; at < std::min(total, kStreamPrefix); at += kHead) {
      out.push_back({at, std::min(kHead, total - at)});
    }
    return out;
  }
  out.push_back({0, std::min(total, kHead)});
  if (total <= kHead + kSampleBlock) return out;
  const uint64_t span = total - kHead - kSampleBlock;
  for (int i = 0; i < kSamples; ++i) {
    uint64_t at = kHead + span / kSamples * i + span / kSamples / 2;
    at -= at % kPage;
    if (at < out.back().offset + out.back().length) continue;
    out.push_back({at, std::min(kSampleBlock, total - at)});
  }
  return out;
}

bool AllZero(std::span<const std::byte> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
}

// Compares the sampled ranges page by page. `all_equal`: every sampled byte matched, data or
// not (a current stick matches everywhere, gaps of the layout excepted: those read as zeros
// from the layout but may hold anything on the stick, so only extents are compared in full
// by VerifyLayout afterwards).
absl::StatusOr<ContentLook> Sample(device::Target& target, const Layout& layout, bool* all_equal) {
  ContentLook look;
  *all_equal = true;
  LayoutReader reader(layout);
  std::vector<std::byte> want, have;
  for (const Range& r : SampleRanges(layout)) {
    want.resize(r.length);
    have.resize(r.length);
    auto filled = reader.Fill(r.offset, want);
    if (!filled.ok()) return filled.status();
    want.resize(*filled);
    have.resize(*filled);
    for (uint64_t done = 0; done < have.size();) {
      auto n = target.ReadAt(std::span(have).subspan(done), r.offset + done);
      if (!n.ok()) return n.status();
      if (*n == 0) {
        return absl::DataLossError(
            absl::StrCat(target.path(), ": read ended early at byte offset ", r.offset + done));
      }
      done += *n;
    }
    for (uint64_t p = 0; p < want.size(); p += kPage) {
      const uint64_t len = std::min<uint64_t>(kPage, want.size() - p);
      auto w = std::span<const std::byte>(want).subspan(p, len);
      const bool equal = std::equal(w.begin(), w.end(), have.begin() + p);
      if (!equal) *all_equal = false;
      if (AllZero(w)) continue;
      ++look.data_pages;
      if (equal) ++look.matching_pages;
    }
  }
  return look;
}

}  // namespace

absl::StatusOr<ContentLook> LookAtContent(device::Target& target, const LayoutMaker& make_layout,
                                          const StickJobOptions& options,
                                          const ProgressFn& progress) {
  auto layout = make_layout();
  if (!layout.ok()) return layout.status();
  if (layout->total_size() > target.size()) return ContentLook{};
  bool all_equal = false;
  auto look = Sample(target, *layout, &all_equal);
  if (!look.ok()) return look.status();
  if (look->data_pages > 0 && look->matching_pages * 2 >= look->data_pages) {
    look->content = StickContent::kEarlierCopy;
  }
  if (!all_equal) return look;
  // Every sampled byte matched: read the whole image back (a fresh layout: a stream is
  // consumed once). One reader: the comparison is sequential on a stick anyway, and memory
  // stays at two slots (eight sticks in flight must fit in 128 MiB).
  auto full = make_layout();
  if (!full.ok()) return full.status();
  VerifyOptions v;
  v.block_size = options.block_size;
  v.threads = 1;
  v.cancel = options.cancel;
  v.progress = progress;
  auto r = VerifyLayout(*full, target, v);
  if (!r.ok()) return r.status();
  if (r->cancelled) return absl::CancelledError("interrupted");
  if (r->match) look->content = StickContent::kCurrent;
  return look;
}

}  // namespace mediaforge::engine::station
