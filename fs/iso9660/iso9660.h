// Public reader/checker API of fs/iso9660 for ISO-to-USB and `mediaforge verify`:
//   OpenIso    - volume descriptors, the file tree (names from Rock Ridge > Joliet > ISO9660),
//                file extents, El Torito boot entries;
//   ExtractFile / ExtractTree - copy files (and directories, symlinks) out of the image;
//   CheckIso   - structural check of ISO9660, Joliet, Rock Ridge, El Torito and hybrid MBR/GPT,
//                every problem with where it is and its byte offset.
// Everything is read through a device::Target and bounds-checked: a hostile image yields
// problems or errors, never a crash or an unbounded allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/problem.h"
#include "device/target.h"

namespace mediaforge::iso9660 {

enum class NameSource { kIso9660, kJoliet, kRockRidge };

// One problem found in an image: where ("primary volume descriptor", "directory /boot"), the
// byte offset in the image when there is one, and what.
using device::Problem;

struct IsoExtentRef {
  uint64_t offset = 0;  // byte offset in the image
  uint64_t length = 0;
};

struct IsoEntry {
  enum class Type { kFile, kDirectory, kSymlink };
  std::string path;  // '/'-separated, without a leading slash; the root is not listed
  Type type = Type::kFile;
  uint64_t size = 0;                  // files: sum of the extents
  uint32_t mode = 0;                  // POSIX mode from Rock Ridge PX, else 0100444 / 040555
  int64_t mtime = 0;                  // seconds since the epoch (UTC)
  std::string symlink_target;         // Rock Ridge SL
  std::vector<IsoExtentRef> extents;  // files: in order (several for multi-extent files)
  uint64_t record_offset = 0;         // byte offset of its (first) directory record
};

struct ElToritoBootEntry {
  uint8_t platform_id = 0;  // 0 x86 BIOS, 0xEF UEFI
  bool bootable = false;
  uint8_t media_type = 0;  // 0 no emulation
  uint16_t load_segment = 0;
  uint16_t sector_count = 0;  // 512-byte sectors (0/1 on UEFI: to the end of the image)
  uint32_t load_lba = 0;      // 2048-byte block
  uint64_t entry_offset = 0;  // byte offset of the catalog entry
};

struct IsoImage {
  std::string volume_id;
  uint32_t volume_space_blocks = 0;
  uint16_t volume_set_size = 1;
  uint16_t volume_sequence_number = 1;
  bool has_joliet = false;
  bool has_rock_ridge = false;
  NameSource names = NameSource::kIso9660;  // which tree `entries` came from
  std::optional<uint32_t> boot_catalog_lba;
  std::vector<ElToritoBootEntry> boot_entries;
  std::vector<IsoEntry> entries;  // breadth first (path table order), parents before children
  // What the reader skipped or doubted while reading (CheckIso reports more).
  std::vector<Problem> problems;
};

struct IsoOpenOptions {
  // Which tree to read; unset: Rock Ridge, else Joliet, else plain ISO9660.
  std::optional<NameSource> names;
  size_t max_entries = 10'000'000;
};

// Fails when there is no readable ISO9660 primary volume descriptor.
absl::StatusOr<IsoImage> OpenIso(device::Target& target, const IsoOpenOptions& options = {});

// Copies a file's extents into `dest_path` (created or truncated).
absl::Status ExtractFile(device::Target& target, const IsoEntry& entry,
                         const std::string& dest_path);
// Recreates every entry under `dest_dir` (directories, files, symlinks; modes from Rock Ridge).
absl::Status ExtractTree(device::Target& target, const IsoImage& image,
                         const std::string& dest_dir);

// Structural check; an empty list means nothing wrong was found.
std::vector<Problem> CheckIso(device::Target& target);

}  // namespace mediaforge::iso9660
