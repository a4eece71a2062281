// Which bmap a write uses: the one named with --bmap, else the one bmaptool would find beside
// the image, unless --no-bmap; read and validated (structure, file checksum, image size) before
// any target is opened.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/bmap.h"
#include "engine/image_source.h"

namespace mediaforge::cli {

struct BmapChoice {
  std::optional<engine::Bmap> bmap;
  bool discovered = false;  // found beside the image rather than named
};

// Errors: NotFound when a named bmap file is missing; InvalidArgument when the bmap is invalid
// or does not describe this image (a refusal: exit 1).
absl::StatusOr<BmapChoice> ChooseBmap(const engine::ImageSource& source,
                                      const std::string& named_bmap, bool no_bmap);

}  // namespace mediaforge::cli
