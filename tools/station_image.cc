#include "tools/station_image.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/sha256.h"
#include "engine/image_source.h"
#include "engine/layout_reader.h"
#include "fs/media/builder.h"
#include "fs/media/spec.h"
#include "fs/media/streamed_manifest.h"
#include "tools/build_info.h"  // generated: MEDIAFORGE_VERSION
#include "tools/cli_common.h"

namespace mediaforge::cli {
namespace {

using ChunkObserver = std::function<void(uint64_t offset, std::span<const std::byte> bytes)>;

// SHA-256 of a layout's content (gaps as zeros), read once before any stick; `observe` (if set)
// is shown every chunk in target order.
absl::StatusOr<std::string> LayoutSha256(const engine::Layout& layout,
                                         const std::atomic<bool>& cancel,
                                         const ChunkObserver& observe = nullptr) {
  engine::LayoutReader reader(layout);
  device::Sha256 sha;
  std::vector<std::byte> buf(4u << 20);
  const uint64_t total = layout.total_size();
  for (uint64_t off = 0; off < total;) {
    if (cancel.load()) return absl::CancelledError("interrupted while hashing the image");
    auto n = reader.Fill(off, std::span(buf).first(std::min<uint64_t>(buf.size(), total - off)));
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    sha.Update(std::span(buf).first(*n));
    if (observe) observe(off, std::span<const std::byte>(buf).first(*n));
    off += *n;
  }
  return sha.FinalHex();
}

// The media manifest's digests: `create` takes them while it streams (tools/create_stream.h);
// the station reads its one plan once before any stick, so it takes them there and writes the
// real manifest over its placeholder, the staging file the plan reads it from (same size).
absl::Status FillManifest(const engine::Layout& layout, media::PreparedMedia& m,
                          const std::atomic<bool>& cancel) {
  // The files that waited for keys get their real bytes in the staging area, where the read
  // below and every stick's write find them.
  if (auto late = media::FinishGeneratedFiles(m); !late.ok()) return late.status();
  media::StreamedManifest hashes(m.manifest_files);
  auto read = LayoutSha256(
      layout, cancel, [&hashes](uint64_t offset, auto bytes) { hashes.Observe(0, offset, bytes); });
  if (!read.ok()) return read.status();
  auto text = hashes.Text();
  if (!text.ok()) return text.status();
  const media::ManifestFile& place = m.manifest_place;
  for (const engine::Extent& e : layout.extents()) {
    const auto* range = std::get_if<engine::FileRange>(&e.source);
    if (e.target_offset != place.offset || range == nullptr || range->offset != 0) continue;
    if (text->size() != place.size || e.length != place.size) break;
    std::ofstream out(range->path, std::ios::binary | std::ios::in | std::ios::out);
    if (!out.write(text->data(), static_cast<std::streamsize>(text->size())) || !out.flush()) {
      return absl::InternalError(absl::StrCat(range->path, ": cannot write the media manifest"));
    }
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat("the media manifest (", text->size(),
                                          " bytes) does not match its planned placeholder (",
                                          place.size, " bytes at byte offset ", place.offset, ")"));
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::string abs = std::filesystem::absolute(path, ec).string();
  return ec ? path : abs;
}

class ImageFile final : public StationImage {
 public:
  explicit ImageFile(engine::ImageSource source) : source_(std::move(source)) {}
  absl::StatusOr<engine::Layout> MakeLayout() const override { return source_.MakeLayout(); }

 private:
  engine::ImageSource source_;
};

// The planned stick and what it reads from: the staging area (generated files, an extracted
// boot ISO) lives as long as the station. The layout holds memory and file ranges only, so
// each pass gets a copy.
class BuiltMedia final : public StationImage {
 public:
  BuiltMedia(media::PreparedMedia prepared, engine::Layout layout)
      : prepared_(std::move(prepared)), layout_(std::move(layout)) {}
  absl::StatusOr<engine::Layout> MakeLayout() const override { return layout_; }

 private:
  media::PreparedMedia prepared_;
  engine::Layout layout_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<StationImage>> OpenStationImage(const std::string& path,
                                                               const std::atomic<bool>& cancel) {
  auto source = engine::OpenImageSource(path);
  if (!source.ok()) return source.status();
  auto image = std::make_unique<ImageFile>(*source);
  auto layout = image->MakeLayout();
  if (!layout.ok()) return layout.status();
  auto sha = LayoutSha256(*layout, cancel);
  if (!sha.ok()) return sha.status();
  image->path = Absolute(path);
  image->bytes = source->size.value_or(0);
  image->sha256 = *sha;
  image->description = path;
  return image;
}

absl::StatusOr<std::unique_ptr<StationImage>> BuildStationMedia(const std::string& spec_path,
                                                                const std::atomic<bool>& cancel) {
  auto spec = media::LoadMediaSpec(spec_path);
  if (!spec.ok()) return spec.status();
  if (spec->output.kind != media::OutputSpec::Kind::kUsb) {
    return absl::InvalidArgumentError(absl::StrCat(
        spec_path, ": output.kind is not usb: the station writes USB media onto sticks"));
  }
  if (spec->output.scheme == "gpt") {
    // One plan for sticks of every size: a GPT's backup header sits at the planned media's end,
    // not at each stick's last LBA (UEFI 2.x 5.3.2), so every larger stick would carry a
    // damaged table. MBR media have no such header.
    return absl::UnimplementedError(
        absl::StrCat(spec_path,
                     ": output.scheme gpt is not yet supported by the station (the backup GPT "
                     "header would not be at each stick's end); use mbr"));
  }
  auto spec_bytes = ReadSmallFile(spec_path, 16u << 20);
  if (!spec_bytes.ok()) return spec_bytes.status();
  auto date = ParseDateFlag("");  // SOURCE_DATE_EPOCH, as create
  if (!date.ok()) return date.status();
  media::BuildSettings settings;
  settings.tool_version = absl::StrCat("mediaforge ", MEDIAFORGE_VERSION);
  settings.now = static_cast<int64_t>(std::time(nullptr));
  settings.date = *date;
  auto prepared = media::PrepareMedia(*spec, settings);
  if (!prepared.ok()) return prepared.status();
  // One plan for every stick: sticks differ in size, so the media gets output.size or the
  // size fitted to its content, like an image file; a stick must hold at least that much (the
  // guard). Sticks hold old data: FAT regions are written in full and stale signatures between
  // the table and the partition wiped (zero_fill).
  media::UsbGeometry geometry;
  geometry.disk_bytes = spec->output.image_size.value_or(0);
  geometry.zero_fill = true;
  auto plan = media::PlanUsbMediaFor(*spec, *prepared, geometry, settings);
  if (!plan.ok()) return plan.status();
  for (const engine::Extent& e : plan->layout.extents()) {
    if (std::holds_alternative<engine::Stream>(e.source)) {
      return absl::InternalError("the planned media holds a stream: it cannot be written twice");
    }
  }
  if (auto s = FillManifest(plan->layout, *prepared, cancel); !s.ok()) return s;
  auto sha = LayoutSha256(plan->layout, cancel);
  if (!sha.ok()) return sha.status();
  const uint64_t bytes = plan->layout.total_size();
  const std::string description =
      absl::StrFormat("media \"%s\" from %s (%s, %d MiB, %d files)", plan->volume.label, spec_path,
                      spec->output.scheme, bytes >> 20, prepared->totals.files);
  std::vector<std::string> findings = prepared->findings;
  auto image = std::make_unique<BuiltMedia>(std::move(*prepared), std::move(plan->layout));
  image->path = Absolute(spec_path);
  image->bytes = bytes;
  image->sha256 = *sha;
  image->spec = image->path;
  image->spec_sha256 = device::Sha256Hex(*spec_bytes);
  image->findings = std::move(findings);
  image->description = description;
  return image;
}

}  // namespace mediaforge::cli
