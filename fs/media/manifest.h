// The media manifest: one line per file, "<sha256 hex>  <path>\n" (two spaces: binary-agnostic
// text mode of `sha256sum -c`, run from the media's root), every file except the manifest itself,
// in tree order. Taken while the media stream (streamed_manifest.h), checked by `verify` and
// `media show`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mediaforge::media {

struct ManifestEntry {
  std::string sha256;  // lower-case hex
  std::string path;    // relative to the media root
};
// Parses the manifest text; a malformed line is an error naming its number.
absl::StatusOr<std::vector<ManifestEntry>> ParseManifest(const std::string& text);

struct ManifestProblem {
  std::string path;
  std::string what;
};
// Checks every entry with `hash_file(path)` (the hex SHA-256 of that file on the media).
std::vector<ManifestProblem> CheckManifest(
    const std::vector<ManifestEntry>& entries,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& hash_file);

}  // namespace mediaforge::media
