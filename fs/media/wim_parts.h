// output.split_wim (USB media): Windows images (.wim/.esd) of the media's source directories
// too large for FAT32 are split into .swm parts in the staging area (fs/wim/, as `usb
// --split-wim`), and the parts take the image's place in the media tree, so the manifest lists
// the parts. Only .wim/.esd files larger than the part size are split.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/media/media_tree.h"
#include "fs/wim/wim_split.h"

namespace mediaforge::media {

struct SplitWimRequest {
  std::vector<std::string> source_dirs;  // the directories grafted into the tree
  uint64_t part_bytes = wim::kDefaultPartBytes;
  std::string staging_parent;  // an existing directory (the media's staging area)
};

// Splits and substitutes; the returned parts (one per source directory with WIMs to split)
// must live until the media are written. `findings` gets a line per split image.
absl::StatusOr<std::vector<std::unique_ptr<wim::StagedWimParts>>> SplitWimsIntoTree(
    const SplitWimRequest& request, TreeNode& root, std::vector<std::string>& findings);

}  // namespace mediaforge::media
