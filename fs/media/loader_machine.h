// The architecture an EFI loader was built for, from its PE/COFF header (fs/pe).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "fs/media/spec.h"

namespace mediaforge::media {

// `name` is used in errors only.
absl::StatusOr<Architecture> LoaderArchitecture(std::span<const std::byte> loader,
                                                const std::string& name);

}  // namespace mediaforge::media
