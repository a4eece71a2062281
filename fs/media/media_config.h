// What mediaforge puts on media besides the boot image and content (docs/MEDIA.md):
//   /MediaLabel.txt                 label=<label>
//   /autorun.inf                    only when the spec asks for it
//   /mediaforge/media.json          the configuration, no secrets (format "mediaforge-media-1")
//   /mediaforge/sealed.json         variables + certificate key, sealed (seal.h), or
//   /mediaforge/unsealed.json       the same payload in clear when no password was given
//   /mediaforge/certificate.pem     the media certificate (public part)
//   /mediaforge/prestart/...        the prestart files
//   /mediaforge/SHA256SUMS          `sha256sum -c` manifest of every other file
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/media/spec.h"

namespace mediaforge::media {

inline constexpr char kMediaDir[] = "mediaforge";
inline constexpr char kConfigFile[] = "media.json";
inline constexpr char kSealedFile[] = "sealed.json";
inline constexpr char kUnsealedFile[] = "unsealed.json";
inline constexpr char kCertificateFile[] = "certificate.pem";
inline constexpr char kManifestFile[] = "SHA256SUMS";
inline constexpr char kPrestartDir[] = "prestart";
inline constexpr char kLabelFile[] = "MediaLabel.txt";
inline constexpr char kAutorunFile[] = "autorun.inf";
inline constexpr char kConfigFormat[] = "mediaforge-media-1";

// A file of the media directory, relative to the media root ("mediaforge/media.json").
inline std::string MediaPath(const char* file) { return std::string(kMediaDir) + "/" + file; }

// Facts found while building that go into the configuration.
struct MediaFacts {
  std::string boot_image_id;  // the boot image's name (directory name or ISO volume id)
  Architecture boot_architecture = Architecture::kX64;
  int64_t created = 0;  // seconds since the epoch
  std::string tool_version;
  std::string certificate_thumbprint;  // empty without a certificate
  std::string certificate_subject;
  bool sealed = false;
};

// The secret part: variables (all of them, secret ones flagged) and the certificate key.
struct SecretPayload {
  std::vector<std::pair<std::string, std::string>> variables;
  std::vector<std::string> secret_variables;
  std::string certificate_key_pem;
};

std::string ConfigJson(const MediaSpec& spec, const MediaFacts& facts);
std::string SecretPayloadJson(const SecretPayload& payload);
absl::StatusOr<SecretPayload> ParseSecretPayload(const std::string& json_text);

std::string MediaLabelText(const std::string& label);
std::string AutorunText(const std::string& label);

// The creation log (CreateTSMedia.log's role): every answer, with the values of secret
// variables, passwords and keys replaced by "********".
std::string CreationLog(const MediaSpec& spec, const MediaFacts& facts,
                        const std::vector<std::string>& findings,
                        const std::vector<std::string>& outputs);

inline constexpr char kRedacted[] = "********";

}  // namespace mediaforge::media
