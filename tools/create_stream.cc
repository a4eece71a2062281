#include "tools/create_stream.h"

#include "absl/strings/str_cat.h"

namespace mediaforge::cli {
namespace {

// The manifest's text, checked against its placeholder's size (planned before any digest).
absl::StatusOr<std::string> ManifestText(media::StreamedManifest& hashes,
                                         const media::ManifestFile& place) {
  auto text = hashes.Text();
  if (!text.ok()) return text.status();
  if (text->size() != place.size) {
    return absl::InternalError(absl::StrCat("the manifest came out at ", text->size(),
                                            " bytes, but ", place.size, " were planned"));
  }
  return text;
}

// Writes `text` at the manifest's place of a volume whose layout is `volume` (same size, so
// image files keep their length; everything else is left as the first job wrote it).
absl::Status WriteManifest(const engine::Layout& volume, const std::string& text,
                           const media::ManifestFile& place,
                           std::span<engine::Destination* const> destinations,
                           const engine::JobOptions& options) {
  engine::Layout layout(volume.total_size());
  const auto* p = reinterpret_cast<const std::byte*>(text.data());
  layout.AddBytes(place.offset, std::vector<std::byte>(p, p + text.size()));
  if (auto s = layout.Finalize(); !s.ok()) return s;
  engine::JobOptions o;
  o.commit = false;
  o.cancel = options.cancel;
  auto report = engine::RunJob(layout, destinations, o);
  if (!report.ok()) return report.status();
  for (const auto& t : report->targets) {
    if (!t.ok()) {
      return absl::Status(t.error.code(),
                          absl::StrCat(t.path, ": writing the manifest at byte offset ",
                                       place.offset, ": ", t.error.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<engine::JobReport> StreamIsoMedia(std::span<const engine::Layout* const> layouts,
                                                 engine::VolumeSet& set, media::PreparedMedia& m,
                                                 engine::JobOptions options) {
  media::StreamedManifest hashes(m.manifest_files);
  options.commit = false;
  options.observe = [&hashes](size_t volume, uint64_t offset, std::span<const std::byte> bytes) {
    hashes.Observe(volume, offset, bytes);
  };
  auto report = engine::RunVolumeSetJob(layouts, set, options);
  if (!report.ok()) return report;
  const media::ManifestFile& place = m.manifest_place;
  auto text = ManifestText(hashes, place);
  if (!text.ok()) return text.status();
  engine::Destination* first[] = {&set[place.volume]};
  if (auto s = WriteManifest(*layouts[place.volume], *text, place, first, options); !s.ok()) {
    return s;
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
  options.observe = [&hashes](size_t, uint64_t offset, std::span<const std::byte> bytes) {
    hashes.Observe(0, offset, bytes);
  };
  auto report = engine::RunJob(layout, destinations, options);
  if (!report.ok()) return report;
  std::vector<engine::Destination*> written;
  for (size_t i = 0; i < destinations.size(); ++i) {
    if (report->targets[i].ok()) written.push_back(destinations[i]);
  }
  if (written.empty()) return report;
  auto text = ManifestText(hashes, m.manifest_place);
  if (!text.ok()) return text.status();
  if (auto s = WriteManifest(layout, *text, m.manifest_place, written, options); !s.ok()) return s;
  for (size_t i = 0; i < destinations.size(); ++i) {
    auto& t = report->targets[i];
    if (!t.ok()) continue;
    t.error = destinations[i]->Commit();
    t.committed = t.error.ok();
  }
  return report;
}

}  // namespace mediaforge::cli
