// The architecture an EFI loader was built for, from its PE/COFF header (fs/pe): the machine
// type x86 (0x14C), x64 (0x8664) or arm64 (0xAA64); anything else, an unreadable header, or a
// default-loader name (BOOTX64.EFI...) that disagrees with the machine is an error naming it.
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
