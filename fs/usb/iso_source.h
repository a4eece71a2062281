// Turns a bootable ISO into the tree of a FAT32 stick (what Rufus calls ISO mode): every file of
// the ISO under its Rock Ridge or Joliet name (or its UDF name: Windows ISOs, fs/udf), read
// straight from the ISO as a range of it (no copy to a staging area). Many ISOs (grub-mkrescue's,
// xorriso-made Linux media) keep their UEFI loader only inside the El Torito EFI image: then the
// files of that FAT image are added as well (extracted into `staging_dir`; they are a few MiB), so
// the stick boots on UEFI. Pre-flight: every file of 4 GiB or more is listed, names FAT cannot hold
// and names that collide when case is ignored are errors naming the path.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/fat32/tree_planner.h"

namespace mediaforge::usb {

struct IsoTree {
  fat32::SourceTree tree;
  std::string volume_id;
  std::vector<std::string> from_efi_image;  // paths added from the El Torito EFI image
};

// `iso_path` is a regular file; `staging_dir` an existing directory for EFI image files.
// `substitutions` (source_path: the path inside the ISO) replace ISO files by files elsewhere,
// e.g. a WIM by its .swm parts (fs/wim/).
absl::StatusOr<IsoTree> TreeFromIso(
    const std::string& iso_path, const std::string& staging_dir,
    const std::vector<fat32::SourceSubstitution>& substitutions = {});

// True when the file starts like an ISO9660 image ("CD001" at byte 32769) or a UDF one.
bool LooksLikeIso(const std::string& path);

}  // namespace mediaforge::usb
