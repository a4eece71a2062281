#include "tools/create_stream.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace mediaforge::cli {
namespace {

// Bytes written over their placeholders once the stream has passed: the files that waited for
// keys and the manifest, each at its planned place.
struct Patch {
  media::ManifestFile place;
  std::string bytes;
};

// The real bytes of the files that waited for keys (their digests replacing the placeholders'
// in `hashes`), then the manifest's, checked against their placeholders' sizes.
absl::StatusOr<std::vector<Patch>> Patches(media::PreparedMedia& m,
                                           media::StreamedManifest& hashes) {
  auto late = media::FinishGeneratedFiles(m);
  if (!late.ok()) return late.status();
  std::vector<Patch> patches;
  for (media::GeneratedFile& f : *late) {
    auto place = std::find_if(m.manifest_files.begin(), m.manifest_files.end(),
                              [&](const media::ManifestFile& p) { return p.path == f.path; });
    if (place == m.manifest_files.end()) {
      return absl::InternalError(absl::StrCat("/", f.path, ": not placed on the output"));
    }
    if (auto s = hashes.Replace(f.path, std::as_bytes(std::span(f.bytes))); !s.ok()) return s;
    patches.push_back({*place, std::move(f.bytes)});
  }
  auto text = hashes.Text();
  if (!text.ok()) return text.status();
  if (text->size() != m.manifest_place.size) {
    return absl::InternalError(absl::StrCat("the manifest came out at ", text->size(),
                                            " bytes, but ", m.manifest_place.size,
                                            " were planned"));
  }
  patches.push_back({m.manifest_place, std::move(*text)});
  return patches;
}

// Writes the patches of volume `volume` (its layout: `layout`, same size, so image files keep
// their length; everything else is left as the first job wrote it) onto `destinations`.
absl::Status WritePatches(const engine::Layout& layout, size_t volume,
                          const std::vector<Patch>& patches,
                          std::span<engine::Destination* const> destinations,
                          const engine::JobOptions& options) {
  engine::Layout over(layout.total_size());
  std::vector<const Patch*> here;
  for (const Patch& p : patches) {
    if (p.place.volume != volume) continue;
    const auto* b = reinterpret_cast<const std::byte*>(p.bytes.data());
    over.AddBytes(p.place.offset, std::vector<std::byte>(b, b + p.bytes.size()));
    here.push_back(&p);
  }
  if (here.empty()) return absl::OkStatus();
  if (auto s = over.Finalize(); !s.ok()) return s;
  engine::JobOptions o;
  o.commit = false;
  o.cancel = options.cancel;
  auto report = engine::RunJob(over, destinations, o);
  if (!report.ok()) return report.status();
  for (const auto& t : report->targets) {
    if (t.ok()) continue;
    // The file being written where the target failed (its first one when the target gave no
    // offset), with the byte offset.
    const Patch* at = here.front();
    for (const Patch* p : here) {
      if (t.offset && *t.offset >= p->place.offset && *t.offset < p->place.offset + p->place.size)
        at = p;
    }
    return absl::Status(t.error.code(),
                        absl::StrCat(t.path, ": writing /", at->place.path, " at byte offset ",
                                     t.offset.value_or(at->place.offset), ": ", t.error.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<engine::JobReport> StreamIsoMedia(std::span<const engine::Layout* const> layouts,
                                                 engine::VolumeSet& set, media::PreparedMedia& m,
                                                 engine::JobOptions options) {
  media::StreamedManifest hashes(m.manifest_files);
  options.commit = false;
  options.observe = [&hashes](size_t volume, uint64_t offset, uint64_t length,
                              std::span<const std::byte> bytes) {
    hashes.Observe(volume, offset, length, bytes);
  };
  auto report = engine::RunVolumeSetJob(layouts, set, options);
  if (!report.ok()) return report;
  auto patches = Patches(m, hashes);
  if (!patches.ok()) return patches.status();
  for (size_t v = 0; v < layouts.size(); ++v) {
    engine::Destination* volume[] = {&set[v]};
    if (auto s = WritePatches(*layouts[v], v, *patches, volume, options); !s.ok()) return s;
  }
  if (auto s = set.Commit(); !s.ok()) return s;
  for (auto& t : report->targets) t.committed = true;
  return report;
}

absl::StatusOr<engine::JobReport> StreamUsbMedia(const engine::Layout& layout,
                                                 std::span<engine::Destination* const> destinations,
                                                 media::PreparedMedia& m,
                                                 engine::JobOptions options) {
  media::StreamedManifest hashes(m.manifest_files);
  options.commit = false;
  options.observe = [&hashes](size_t, uint64_t offset, uint64_t length,
                              std::span<const std::byte> bytes) {
    hashes.Observe(0, offset, length, bytes);
  };
  auto report = engine::RunJob(layout, destinations, options);
  if (!report.ok()) return report;
  std::vector<engine::Destination*> written;
  for (size_t i = 0; i < destinations.size(); ++i) {
    if (report->targets[i].ok()) written.push_back(destinations[i]);
  }
  if (written.empty()) return report;
  auto patches = Patches(m, hashes);
  if (!patches.ok()) return patches.status();
  if (auto s = WritePatches(layout, 0, *patches, written, options); !s.ok()) return s;
  for (size_t i = 0; i < destinations.size(); ++i) {
    auto& t = report->targets[i];
    if (!t.ok()) continue;
    t.error = destinations[i]->Commit();
    t.committed = t.error.ok();
  }
  return report;
}

}  // namespace mediaforge::cli
