#include "fs/udf/disc_image.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "fs/udf/udf.h"

namespace mediaforge::udf {
namespace {

bool HasIso9660Descriptor(device::Target& target) {
  char magic[5] = {};
  if (target.size() < 32769 + 5) return false;
  auto s = device::ReadFully(target, std::as_writable_bytes(std::span(magic)), 32769);
  return s.ok() && std::string(magic, 5) == "CD001";
}

size_t CountFiles(const std::vector<iso9660::IsoEntry>& entries) {
  return std::count_if(entries.begin(), entries.end(),
                       [](const auto& e) { return e.type == iso9660::IsoEntry::Type::kFile; });
}

absl::StatusOr<std::vector<iso9660::IsoEntry>> AsIsoEntries(const UdfVolume& volume,
                                                            const std::string& image_path) {
  std::vector<iso9660::IsoEntry> out;
  out.reserve(volume.entries.size());
  for (const auto& u : volume.entries) {
    if (u.sparse()) {
      return absl::UnimplementedError(absl::StrCat(
          image_path, ": UDF file /", u.path, " (file entry at byte ", u.file_entry_offset,
          ") has unrecorded (sparse) extents: its bytes are not all in the image"));
    }
    iso9660::IsoEntry e;
    e.path = u.path;
    e.size = u.size;
    e.mtime = u.mtime;
    e.record_offset = u.file_entry_offset;
    switch (u.type) {
      case UdfEntry::Type::kDirectory:
        e.type = iso9660::IsoEntry::Type::kDirectory;
        e.mode = 040555;
        break;
      case UdfEntry::Type::kSymlink:
        e.type = iso9660::IsoEntry::Type::kSymlink;  // target (4/14.16 path components) unread
        e.mode = 0120777;
        break;
      case UdfEntry::Type::kFile:
        e.type = iso9660::IsoEntry::Type::kFile;
        e.mode = 0100444;
        for (const auto& x : u.extents) e.extents.push_back({x.offset, x.length});
        break;
    }
    out.push_back(std::move(e));
  }
  return out;
}

// The error with the image's path in front (OpenUdf's carry it already, OpenIso's do not).
absl::Status NamingTheImage(const absl::Status& status, const std::string& path) {
  const std::string message(status.message());
  if (message.rfind(path, 0) == 0) return status;
  return absl::Status(status.code(), absl::StrCat(path, ": ", message));
}

absl::StatusOr<DiscImage> OpenDiscImageUnnamed(device::Target& target) {
  DiscImage out;
  absl::StatusOr<iso9660::IsoImage> iso = absl::NotFoundError("no ISO9660 volume descriptor");
  if (HasIso9660Descriptor(target)) iso = iso9660::OpenIso(target);
  if (!HasUdfRecognition(target)) {
    if (!iso.ok()) return iso.status();
    out.image = std::move(*iso);
    return out;
  }
  auto udf = OpenUdf(target);
  if (!udf.ok()) {
    // Not a silent fall back to the ISO9660 tree: on a Windows ISO it holds only a README, and
    // a stick with a README is worse than a clear error.
    if (!iso.ok()) return udf.status();
    return absl::Status(
        udf.status().code(),
        absl::StrCat(udf.status().message(), " (the image's ISO9660 tree has ",
                     CountFiles(iso->entries), " file(s), but its UDF volume could not be read)"));
  }
  auto entries = AsIsoEntries(*udf, target.path());
  if (!entries.ok()) return entries.status();
  if (iso.ok() && CountFiles(iso->entries) > CountFiles(*entries)) {
    out.image = std::move(*iso);
    return out;
  }
  if (iso.ok()) {
    out.image = std::move(*iso);
  } else {
    out.image.volume_id = udf->volume_id;
  }
  out.image.entries = std::move(*entries);
  out.files_from_udf = true;
  return out;
}

}  // namespace

bool LooksLikeDiscImage(device::Target& target) {
  return HasIso9660Descriptor(target) || HasUdfRecognition(target);
}

absl::StatusOr<DiscImage> OpenDiscImage(device::Target& target) {
  auto disc = OpenDiscImageUnnamed(target);
  if (!disc.ok()) return NamingTheImage(disc.status(), target.path());
  return disc;
}

}  // namespace mediaforge::udf
