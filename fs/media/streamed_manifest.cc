#include "fs/media/streamed_manifest.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace mediaforge::media {

std::string PlaceholderManifest(const std::vector<std::string>& paths) {
  std::string text;
  for (const std::string& p : paths) absl::StrAppend(&text, std::string(64, '0'), "  ", p, "\n");
  return text;
}

StreamedManifest::StreamedManifest(const std::vector<ManifestFile>& files) {
  std::map<std::tuple<size_t, uint64_t, uint64_t>, size_t> known;
  for (const ManifestFile& f : files) {
    paths_.push_back(f.path);
    auto [it, fresh] = known.emplace(std::make_tuple(f.volume, f.offset, f.size), places_.size());
    if (fresh) {
      Place p;
      p.volume = f.volume;
      p.offset = f.offset;
      p.size = f.size;
      p.sha = std::make_unique<device::Sha256>();
      places_.push_back(std::move(p));
      if (f.size > 0) {
        if (by_volume_.size() <= f.volume) by_volume_.resize(f.volume + 1);
        by_volume_[f.volume].push_back(it->second);
      }
    }
    place_of_.push_back(it->second);
  }
  end_max_.resize(by_volume_.size());
  for (size_t v = 0; v < by_volume_.size(); ++v) {
    auto& order = by_volume_[v];
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return places_[a].offset < places_[b].offset; });
    uint64_t furthest = 0;
    for (size_t index : order) {
      furthest = std::max(furthest, places_[index].offset + places_[index].size);
      end_max_[v].push_back(furthest);
    }
  }
}

StreamedManifest::~StreamedManifest() = default;

void StreamedManifest::Observe(size_t volume, uint64_t offset, uint64_t length,
                               std::span<const std::byte> bytes) {
  if (volume >= by_volume_.size() || length == 0) return;
  const std::vector<size_t>& order = by_volume_[volume];
  const std::vector<uint64_t>& end_max = end_max_[volume];
  const uint64_t end = offset + length;
  // The places starting inside the chunk, then those that began before it and reach into it
  // (in the tree writers' layouts, at most one: places do not overlap).
  auto first_inside = std::lower_bound(order.begin(), order.end(), offset,
                                       [&](size_t i, uint64_t o) { return places_[i].offset < o; });
  const size_t inside = first_inside - order.begin();
  for (size_t k = inside; k < order.size() && places_[order[k]].offset < end; ++k) {
    const Place& p = places_[order[k]];
    Feed(order[k], p.offset, std::min(end, p.offset + p.size), offset, bytes);
  }
  for (size_t k = inside; k-- > 0 && end_max[k] > offset;) {
    const Place& p = places_[order[k]];
    if (p.offset + p.size > offset) {
      Feed(order[k], offset, std::min(end, p.offset + p.size), offset, bytes);
    }
  }
}

void StreamedManifest::Feed(size_t index, uint64_t from, uint64_t to, uint64_t chunk_offset,
                            std::span<const std::byte> chunk) {
  Place& p = places_[index];
  if (to > chunk_offset + chunk.size()) {  // bytes that never come: no digest, whatever order
    std::lock_guard lock(mu_);
    p.broken = true;
    fed_.notify_all();
    return;
  }
  std::unique_lock lock(mu_);
  // The earlier bytes are in an earlier chunk, handed to a worker before this one: it hashes
  // them (or declares them lost) without waiting for this chunk, so the wait ends.
  fed_.wait(lock, [&] { return p.broken || p.fed >= from - p.offset; });
  if (p.broken) return;
  if (p.fed != from - p.offset) {  // a chunk shown twice
    p.broken = true;
    fed_.notify_all();
    return;
  }
  lock.unlock();
  // Only this call may feed the place now: its next bytes are this piece.
  p.sha->Update(chunk.subspan(from - chunk_offset, to - from));
  {
    std::lock_guard lock(mu_);
    p.fed += to - from;
  }
  fed_.notify_all();
}

absl::Status StreamedManifest::Replace(const std::string& path, std::span<const std::byte> bytes) {
  auto it = std::find(paths_.begin(), paths_.end(), path);
  if (it == paths_.end()) {
    return absl::InternalError(absl::StrCat("/", path, ": not listed in the manifest"));
  }
  std::lock_guard lock(mu_);
  Place& p = places_[place_of_[it - paths_.begin()]];
  if (bytes.size() != p.size) {
    return absl::InternalError(
        absl::StrCat("/", path, ": ", bytes.size(), " bytes, but ", p.size, " were planned"));
  }
  p.sha = std::make_unique<device::Sha256>();
  p.sha->Update(bytes);
  p.fed = p.size;
  p.broken = false;
  p.hex.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::string> StreamedManifest::Text() {
  std::lock_guard lock(mu_);
  std::string text;
  for (size_t i = 0; i < paths_.size(); ++i) {
    Place& p = places_[place_of_[i]];
    if (p.broken || p.fed != p.size) {
      return absl::InternalError(absl::StrCat("/", paths_[i], ": the stream did not pass its ",
                                              p.size, " bytes at byte offset ", p.offset,
                                              " of volume ", p.volume + 1, " (", p.fed,
                                              " hashed); the manifest cannot be written"));
    }
    if (p.sha) p.hex = p.sha->FinalHex(), p.sha.reset();
    absl::StrAppend(&text, p.hex, "  ", paths_[i], "\n");
  }
  return text;
}

}  // namespace mediaforge::media
