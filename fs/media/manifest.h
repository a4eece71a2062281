// The media manifest: one line per file, "<sha256 hex>  <path>\n" (two spaces: binary-agnostic
// text mode of `sha256sum -c`, run from the media's root), every file except the manifest itself,
// in tree order. Written by the builder, checked by `verify` and `media show`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/media/media_tree.h"

namespace mediaforge::media {

// Hashes every file of `root` but those in `skip` (relative paths: the manifest itself, a BIOS
// boot image the ISO writer patches with the boot information table). Reads each file once.
absl::StatusOr<std::string> BuildManifest(TreeNode& root, const std::vector<std::string>& skip);

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
