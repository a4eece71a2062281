// --media-size: distributing a source tree over several volumes, each a complete ISO9660 tree of
// its own. Files keep depth-first order; boot files go to volume 1, which also holds every
// directory and symlink and the manifest (which file is on which volume). A file that cannot fit
// an otherwise empty volume is an error naming it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/iso9660/source_tree.h"

namespace mediaforge::iso9660 {

// The name of the multi-volume manifest placed in the root of volume 1.
inline constexpr char kManifestName[] = "mediaforge-volumes.txt";

struct SplitRequest {
  uint64_t media_bytes = 0;
  // Bytes volume 1 needs besides its files (EFI image built from a directory, hybrid padding).
  uint64_t first_volume_extra_bytes = 0;
  std::vector<const SourceNode*> first_volume_files;  // boot images
};

struct SplitResult {
  std::vector<std::unique_ptr<SourceNode>> roots;  // one pruned copy of the tree per volume
  std::string manifest;  // "NN<TAB>path" lines, one per file (and the manifest itself)
};

// Returns one root when everything fits one volume (then the tree is not copied and
// roots[0] is null: use the original).
absl::StatusOr<SplitResult> SplitIntoVolumes(const SourceNode& root, const SplitRequest& request);

// Conservative estimate of the metadata bytes (records, directories, path tables) of a
// directory or a file entry.
uint64_t EstimatedMetadataBytes(const SourceNode& node);

}  // namespace mediaforge::iso9660
