#include "fs/media/loader_machine.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fs/pe/pe_image.h"

namespace mediaforge::media {

absl::StatusOr<Architecture> LoaderArchitecture(std::span<const std::byte> loader,
                                                const std::string& name) {
  auto image = pe::ParsePeImage(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(loader.data()), loader.size()),
      name);
  if (!image.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": the EFI loader is not a readable PE/COFF image: ", image.status().message()));
  }
  std::optional<Architecture> arch;
  switch (image->machine) {
    case pe::Machine::kI386:
      arch = Architecture::kX86;
      break;
    case pe::Machine::kX64:
      arch = Architecture::kX64;
      break;
    case pe::Machine::kArm64:
      arch = Architecture::kArm64;
      break;
    default:
      break;
  }
  if (!arch) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: PE/COFF machine type 0x%04x (%s) is not x86, x64 or arm64", name,
                        image->machine_raw, pe::MachineName(image->machine)));
  }
  // UEFI 3.5.1.1: firmware looks for BOOT<arch>.EFI; a loader named for another machine than
  // it was built for is never started.
  if (auto by_name = pe::DefaultLoaderMachine(name); by_name && *by_name != image->machine) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, ": built for ", pe::MachineName(image->machine), " but named for ",
                     pe::MachineName(*by_name)));
  }
  return *arch;
}

}  // namespace mediaforge::media
