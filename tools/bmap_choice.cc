#include "tools/bmap_choice.h"

#include "absl/strings/str_cat.h"
#include "engine/bmap_layout.h"

namespace mediaforge::cli {

absl::StatusOr<BmapChoice> ChooseBmap(const engine::ImageSource& source,
                                      const std::string& named_bmap, bool no_bmap) {
  BmapChoice choice;
  if (no_bmap) return choice;
  std::string path = named_bmap;
  if (path.empty()) {
    auto found = engine::FindBmapBeside(source.path);
    if (!found) return choice;
    path = *found;
    choice.discovered = true;
  }
  auto bmap = engine::ReadBmapFile(path);
  if (!bmap.ok()) return bmap.status();
  if (auto s = engine::CheckBmapMatchesImage(*bmap, source); !s.ok()) return s;
  choice.bmap = std::move(*bmap);
  return choice;
}

}  // namespace mediaforge::cli
