// `media show` and the manifest part of `verify` as a library: the configuration read back from
// media, the secret part opened with the password, the manifest checked file by file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "fs/media/manifest.h"
#include "fs/media/media_config.h"
#include "fs/media/media_reader.h"
#include "nlohmann/json.hpp"

namespace mediaforge::media {

struct ShownMedia {
  std::string where;              // which file system it was read from
  nlohmann::ordered_json config;  // media.json as written
  std::string certificate_pem;    // empty without a certificate
  bool sealed = false;            // the secret part needs a password
  bool opened = false;            // the secret part was read (unsealed, or with the password)
  SecretPayload secrets;          // when opened
};

// Reads media.json (NotFound: not mediaforge media). With `password` the sealed part is opened
// (a wrong one is PermissionDenied); without, a sealed part stays closed. An unsealed part is
// always read.
absl::StatusOr<ShownMedia> ShowMedia(MediaFiles& files, const std::optional<std::string>& password);

struct ManifestReport {
  bool present = false;
  size_t files = 0;
  size_t elsewhere = 0;  // on other volumes of a split set
  std::vector<ManifestProblem> problems;
};
// Checks the media's manifest when it has one (present = false otherwise).
absl::StatusOr<ManifestReport> CheckMediaManifest(device::Target& target);

}  // namespace mediaforge::media
