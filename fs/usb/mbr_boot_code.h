// MBR boot code for sticks made without --mbr-code: a tiny real-mode program that tells a BIOS
// user plainly that this stick boots on UEFI only, instead of hanging on a blank screen.
#pragma once

#include <cstddef>
#include <span>

#include "absl/status/status.h"

namespace mediaforge::usb {

// Bytes 0-439 of an MBR (boot code only: disk signature and table are not touched).
inline constexpr size_t kMbrCodeBytes = 440;

// Writes the default program into mbr[0, 440).
void WriteDefaultMbrCode(std::span<std::byte> mbr);

// Copies bytes 0-439 of `code` (syslinux's mbr.bin/gptmbr.bin are 440 bytes; a full 512-byte
// MBR image is accepted too, and only its first 440 bytes are used) into mbr[0, 440).
absl::Status InstallMbrCode(std::span<const std::byte> code, std::span<std::byte> mbr);

}  // namespace mediaforge::usb
