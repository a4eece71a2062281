#include "fs/iso9660/efi_image.h"

namespace mediaforge::iso9660 {

absl::StatusOr<EmbeddedImage> PlanEfiDirImage(const std::string& directory, int64_t date) {
  return absl::UnimplementedError(
      "--efi-dir needs mediaforge's FAT writer, which is not built yet; use --efi-boot");
}

}  // namespace mediaforge::iso9660
