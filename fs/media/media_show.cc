#include "fs/media/media_show.h"

#include "absl/strings/str_cat.h"
#include "fs/iso9660/media_split.h"
#include "fs/media/seal.h"

namespace mediaforge::media {
namespace {

constexpr uint64_t kMaxConfigBytes = 16 << 20;

}  // namespace

absl::StatusOr<ShownMedia> ShowMedia(MediaFiles& files,
                                     const std::optional<std::string>& password) {
  ShownMedia out;
  out.where = files.Describe();
  auto text = files.Read(MediaPath(kConfigFile), kMaxConfigBytes);
  if (!text.ok()) {
    if (absl::IsNotFound(text.status())) {
      return absl::NotFoundError(absl::StrCat(out.where, ": no ", MediaPath(kConfigFile),
                                              ": not media made by mediaforge create"));
    }
    return text.status();
  }
  try {
    out.config = nlohmann::ordered_json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat(MediaPath(kConfigFile), ": not JSON: ", e.what()));
  }
  if (!out.config.is_object() || out.config.value("format", "") != kConfigFormat) {
    return absl::InvalidArgumentError(
        absl::StrCat(MediaPath(kConfigFile), ": format is not ", kConfigFormat));
  }
  if (files.Exists(MediaPath(kCertificateFile))) {
    auto pem = files.Read(MediaPath(kCertificateFile), kMaxConfigBytes);
    if (!pem.ok()) return pem.status();
    out.certificate_pem = *pem;
  }
  if (files.Exists(MediaPath(kSealedFile))) {
    out.sealed = true;
    if (!password) return out;
    auto envelope = files.Read(MediaPath(kSealedFile), kMaxConfigBytes);
    if (!envelope.ok()) return envelope.status();
    auto plain = Unseal(*envelope, *password);
    if (!plain.ok()) return plain.status();
    auto payload = ParseSecretPayload(*plain);
    if (!payload.ok()) return payload.status();
    out.secrets = std::move(*payload);
    out.opened = true;
  } else if (files.Exists(MediaPath(kUnsealedFile))) {
    auto plain = files.Read(MediaPath(kUnsealedFile), kMaxConfigBytes);
    if (!plain.ok()) return plain.status();
    auto payload = ParseSecretPayload(*plain);
    if (!payload.ok()) return payload.status();
    out.secrets = std::move(*payload);
    out.opened = true;
  }
  return out;
}

absl::StatusOr<ManifestReport> CheckMediaManifest(device::Target& target) {
  ManifestReport report;
  auto files = MediaFiles::Open(target);
  if (!files.ok()) return report;  // not media we can read: nothing to check here
  if (!(*files)->Exists(MediaPath(kManifestFile))) return report;
  report.present = true;
  auto text = (*files)->Read(MediaPath(kManifestFile), 256ull << 20);
  if (!text.ok()) return text.status();
  auto entries = ParseManifest(*text);
  if (!entries.ok()) return entries.status();
  report.files = entries->size();
  // A volume of a split set holds only its share: files the set's volume list places elsewhere
  // are not problems of this volume.
  std::string volumes;
  if ((*files)->Exists(iso9660::kManifestName)) {
    auto v = (*files)->Read(iso9660::kManifestName, 256ull << 20);
    if (v.ok()) volumes = "\n" + *v;
  }
  report.problems =
      CheckManifest(*entries, [&](const std::string& path) -> absl::StatusOr<std::string> {
        if (!volumes.empty() && !(*files)->Exists(path) &&
            volumes.find(absl::StrCat("\t", path, "\n")) != std::string::npos) {
          ++report.elsewhere;
          return absl::StatusOr<std::string>(std::string());
        }
        return (*files)->Sha256(path);
      });
  return report;
}

}  // namespace mediaforge::media
