#include "fs/iso9660/efi_image.h"

#include "absl/strings/str_cat.h"
#include "fs/fat32/fat_writer.h"

namespace mediaforge::iso9660 {

absl::StatusOr<EmbeddedImage> PlanEfiDirImage(const std::string& directory,
                                              std::optional<int64_t> date) {
  fat32::FormatOptions options;
  options.label = "EFIBOOT";
  options.date = date;
  // Planned as a volume of its own (hidden sectors 0, as El Torito images are), then placed at
  // its ISO offset.
  options.device_offset = 0;
  auto bytes = fat32::SizeForTree(options, directory, kEfiImageSlackBytes);
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(),
                        absl::StrCat("--efi-dir ", directory, ": ", bytes.status().message()));
  }
  options.volume_bytes = *bytes;
  EmbeddedImage image;
  image.bytes = *bytes;
  image.plan = [options, directory](uint64_t iso_offset) -> absl::StatusOr<engine::Layout> {
    fat32::FormatOptions placed = options;
    placed.target_offset = iso_offset;
    auto volume = fat32::PlanFatVolume(placed, directory);
    if (!volume.ok()) return volume.status();
    return std::move(volume->layout);
  };
  return image;
}

}  // namespace mediaforge::iso9660
