#include "fs/iso9660/iso_output.h"

#include "absl/strings/str_format.h"

namespace mediaforge::iso9660 {

std::vector<std::string> VolumePaths(const std::string& out_path, size_t volumes) {
  if (volumes <= 1) return {out_path};
  std::string stem = out_path, extension;
  size_t dot = out_path.rfind('.');
  size_t slash = out_path.rfind('/');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash + 1)) {
    stem = out_path.substr(0, dot);
    extension = out_path.substr(dot);
  }
  std::vector<std::string> paths;
  for (size_t i = 1; i <= volumes; ++i) {
    paths.push_back(absl::StrFormat("%s-%02d%s", stem, i, extension));
  }
  return paths;
}

std::vector<const engine::Layout*> VolumeLayouts(const IsoPlan& plan) {
  std::vector<const engine::Layout*> layouts;
  for (const auto& v : plan.volumes) layouts.push_back(&v.layout);
  return layouts;
}

}  // namespace mediaforge::iso9660
