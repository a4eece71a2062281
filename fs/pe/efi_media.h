// Finds the EFI executables on a media through mediaforge's own readers (no mount): every FAT
// volume (a superfloppy, MBR and GPT partitions, the El Torito UEFI boot image of an ISO) and
// the ISO9660 tree. Which FAT volumes UEFI firmware would boot from is kept with them: the
// removable-media default loader (\EFI\BOOT\BOOT<arch>.EFI, UEFI 2.x 3.5.1.1) only matters there.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "fs/fat32/fat_reader.h"
#include "fs/iso9660/iso9660.h"

namespace mediaforge::pe {

struct EfiVolume {
  std::string where;  // "partition 1", "El Torito UEFI image", "partition 2 (El Torito UEFI image)"
  uint64_t offset = 0;
  // UEFI firmware looks for a boot loader here: an EFI System partition (MBR 0xEF, GPT ESP
  // type), the El Torito UEFI image, or any FAT volume holding an \EFI directory.
  bool claims_uefi_boot = false;
  std::unique_ptr<fat32::FatVolume> fat;
};

struct EfiFile {
  std::string location;  // EfiVolume::where, or "ISO9660"
  std::string path;      // "/EFI/BOOT/BOOTX64.EFI" as stored (long names)
  uint64_t size = 0;
  uint64_t offset = 0;          // byte offset of its directory entry / record on the target
  int volume = -1;              // index into EfiMedia::volumes; -1: the ISO9660 tree
  fat32::FatFileInfo fat_file;  // volume >= 0
  iso9660::IsoEntry iso_entry;  // volume == -1
  bool default_loader = false;  // \EFI\BOOT\BOOT<arch>.EFI on a FAT volume
};

struct EfiMedia {
  std::vector<EfiVolume> volumes;
  std::vector<EfiFile> files;  // every *.efi, volume by volume, then the ISO tree
  bool iso = false;
  bool iso_has_uefi_boot_entry = false;
  // What could not be read (a volume that does not open, a directory that fails).
  std::vector<std::string> problems;
};

// Walks `target`. Fails only when the target cannot be read at all.
absl::StatusOr<EfiMedia> FindEfiFiles(device::Target& target);

// Reads one file's bytes; files larger than `max_bytes` are refused with a message saying so.
absl::StatusOr<std::vector<uint8_t>> ReadEfiFile(device::Target& target, EfiMedia& media,
                                                 const EfiFile& file, uint64_t max_bytes);

}  // namespace mediaforge::pe
