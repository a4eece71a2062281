#include "fs/media/manifest.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mediaforge::media {
absl::StatusOr<std::vector<ManifestEntry>> ParseManifest(const std::string& text) {
  std::vector<ManifestEntry> out;
  size_t number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    ++number;
    if (line.size() < 67 || line.substr(64, 2) != "  ") {
      return absl::InvalidArgumentError(
          absl::StrCat("manifest line ", number, ": not \"<sha256>  <path>\""));
    }
    ManifestEntry e;
    e.sha256 = absl::AsciiStrToLower(line.substr(0, 64));
    for (char c : e.sha256) {
      if (!absl::ascii_isxdigit(c)) {
        return absl::InvalidArgumentError(absl::StrCat("manifest line ", number, ": bad digest"));
      }
    }
    e.path = std::string(line.substr(66));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<ManifestProblem> CheckManifest(
    const std::vector<ManifestEntry>& entries,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& hash_file) {
  std::vector<ManifestProblem> problems;
  for (const auto& e : entries) {
    auto hex = hash_file(e.path);
    if (!hex.ok()) {
      problems.push_back({e.path, std::string(hex.status().message())});
    } else if (hex->empty()) {
      continue;  // the caller skips it (another volume of a set)
    } else if (*hex != e.sha256) {
      problems.push_back(
          {e.path, absl::StrCat("SHA-256 is ", *hex, ", the manifest says ", e.sha256)});
    }
  }
  return problems;
}

}  // namespace mediaforge::media
