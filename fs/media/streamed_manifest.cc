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
  for (auto& order : by_volume_) {
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return places_[a].offset < places_[b].offset; });
  }
  cursor_.assign(by_volume_.size(), 0);
}

StreamedManifest::~StreamedManifest() = default;

void StreamedManifest::Observe(size_t volume, uint64_t offset, std::span<const std::byte> bytes) {
  if (volume >= by_volume_.size()) return;
  const std::vector<size_t>& order = by_volume_[volume];
  size_t& first = cursor_[volume];
  const uint64_t end = offset + bytes.size();
  while (first < order.size() &&
         places_[order[first]].offset + places_[order[first]].size <= offset) {
    ++first;  // behind the stream (complete, or reported by Text)
  }
  for (size_t k = first; k < order.size(); ++k) {
    Place& p = places_[order[k]];
    if (p.offset >= end) break;
    const uint64_t from = std::max(offset, p.offset);
    const uint64_t to = std::min(end, p.offset + p.size);
    if (from != p.offset + p.fed) {
      p.broken = true;
      continue;
    }
    p.sha->Update(bytes.subspan(from - offset, to - from));
    p.fed += to - from;
  }
}

absl::StatusOr<std::string> StreamedManifest::Text() {
  std::string text;
  for (size_t i = 0; i < paths_.size(); ++i) {
    Place& p = places_[place_of_[i]];
    if (p.broken || p.fed != p.size) {
      return absl::InternalError(absl::StrCat("/", paths_[i], ": the stream did not pass its ",
                                              p.size, " bytes at byte offset ", p.offset,
                                              " of volume ", p.volume + 1, " in order (", p.fed,
                                              " hashed); the manifest cannot be written"));
    }
    if (p.sha) p.hex = p.sha->FinalHex(), p.sha.reset();
    absl::StrAppend(&text, p.hex, "  ", paths_[i], "\n");
  }
  return text;
}

}  // namespace mediaforge::media
