// The generated files that wait for keys: the media certificate (its RSA key), the secret part
// (sealed with the scrypt-derived key) and the media configuration (it names the certificate's
// thumbprint). RSA key generation and scrypt take 0.1-0.4 s of CPU each; `create` starts them
// on threads of their own and plans these files at their exact size with placeholder bytes, so
// the media stream meanwhile, and their real bytes are written over the placeholders once the
// stream has passed (issue 10: create may cost at most 1.1x iso). The sizes are known before
// the keys: the certificate's encoding has a fixed size (certificate.h, SelfSignedShape), the
// secret part's JSON is padded with trailing spaces to a bound that holds any RSA-2048 private
// key, and sealing keeps the plaintext's size (seal.h, SealedSize). User-facing refusals (a
// PKCS#12 file, dates, password sources) are all checked before, in PrepareMedia.
#pragma once

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/media/certificate.h"
#include "fs/media/media_config.h"
#include "fs/media/seal.h"
#include "fs/media/secret_buffer.h"
#include "fs/media/spec.h"

namespace mediaforge::media {

// A generated file: its path relative to the media root and its bytes.
struct GeneratedFile {
  std::string path;
  std::string bytes;
};

class PendingSecretFiles {
 public:
  // Starts the key generation (`spec.certificate` self-signed) and the key derivation
  // (`password` given, bootable media) and returns at once. `loaded`: a PKCS#12 certificate,
  // already checked. `facts`: everything but the certificate's thumbprint and subject.
  static absl::StatusOr<std::unique_ptr<PendingSecretFiles>> Start(
      const MediaSpec& spec, std::optional<SecretString> password,
      std::optional<MediaCertificate> loaded, const MediaFacts& facts);
  ~PendingSecretFiles();

  // The files as planned: each the size of its real bytes, all zeros.
  const std::vector<GeneratedFile>& placeholders() const { return placeholders_; }

  // Waits for the keys and gives the files' real bytes, each exactly its placeholder's size,
  // and the facts with the certificate's thumbprint and subject. Once: later calls give the
  // same answer.
  absl::StatusOr<std::vector<GeneratedFile>> Finish();
  const MediaFacts& facts() const { return facts_; }

 private:
  PendingSecretFiles() = default;
  absl::StatusOr<std::vector<GeneratedFile>> Make();

  MediaSpec spec_;
  MediaFacts facts_;
  // Declared before the futures: the threads read it, and members are destroyed in reverse.
  std::optional<SecretString> password_;
  std::optional<MediaCertificate> loaded_;
  std::future<absl::StatusOr<MediaCertificate>> making_;  // self-signed
  std::future<absl::StatusOr<SealingKey>> deriving_;      // password
  size_t secret_plain_size_ = 0;                          // the secret part's JSON, padded to this
  std::vector<GeneratedFile> placeholders_;
  std::optional<absl::StatusOr<std::vector<GeneratedFile>>> finished_;
};

}  // namespace mediaforge::media
