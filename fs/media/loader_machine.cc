#include "fs/media/loader_machine.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mediaforge::media {

// Until fs/pe (branch pe) is merged: the UEFI default-loader name (UEFI 2.10 3.5.1.1,
// BOOTIA32/BOOTX64/BOOTAA64.EFI) stands in for the PE machine type.
absl::StatusOr<Architecture> LoaderArchitecture(std::span<const std::byte> loader,
                                                const std::string& name) {
  (void)loader;
  std::string file = absl::AsciiStrToLower(std::filesystem::path(name).filename().string());
  if (file == "bootx64.efi") return Architecture::kX64;
  if (file == "bootia32.efi") return Architecture::kX86;
  if (file == "bootaa64.efi") return Architecture::kArm64;
  return absl::InvalidArgumentError(absl::StrCat(name, ": cannot tell the loader's architecture"));
}

}  // namespace mediaforge::media
