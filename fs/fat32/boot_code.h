// Boot code of a FAT volume's boot sector: the default program (prints that the disk is not
// bootable, waits for a key, then asks the BIOS for the next boot device),
// and installing a given partition boot record while keeping the volume's BPB.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "fs/fat32/geometry.h"

namespace mediaforge::fat32 {

// Where the BPB ends and code starts for `type` (90 for FAT32, 62 for FAT12/16).
uint32_t BootCodeOffset(FatType type);

// Writes the jump (bytes 0-2), the default program and the 0x55AA signature into the first 512
// bytes of `sector`; the BPB bytes 3..code offset are left alone.
void WriteDefaultBootCode(FatType type, std::span<std::byte> sector);

// Copies a partition boot record's code into `sector`: bytes 0-2 and code offset-509 from
// `pbr` (at least 512 bytes, ending in 0x55AA), keeping the BPB bytes 3..code offset.
absl::Status CopyPbrCode(FatType type, std::span<const std::byte> pbr, std::span<std::byte> sector);

}  // namespace mediaforge::fat32
