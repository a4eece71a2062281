// Sealing the secret part of the media (variables, the certificate's private key) with a
// password: key = scrypt(password, 16-byte random salt, N, r, p) -> 32 bytes, then AES-256-GCM
// with a 12-byte random nonce and a 16-byte tag (NIST SP 800-38D), the envelope's header bound
// in as additional authenticated data. The envelope is a small JSON document (docs/MEDIA.md)
// holding the KDF name, cost and salt, so a later version can raise the cost and still open old
// media. OpenSSL EVP throughout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fs/media/secret_buffer.h"

namespace mediaforge::media {

struct KdfCost {
  // scrypt (RFC 7914): N = 2^15, r = 8, p = 1 takes 32 MiB and ~0.1 s on the machines we
  // measured (docs/MEDIA.md) - slow enough to make guessing expensive, fast enough to boot.
  uint64_t n = 1ull << 15;
  uint32_t r = 8;
  uint32_t p = 1;
};

// The AES key derived from a password with a fresh random salt, ready to seal. Deriving it is
// the slow step (scrypt), so `create` derives it on a thread of its own beside the certificate's
// key generation (issue 10). The key bytes are held as a SecretString (locked, wiped).
struct SealingKey {
  KdfCost cost;
  std::string salt;  // kSaltBytes random bytes
  std::optional<SecretString> key;
};
// `password` must not be empty.
absl::StatusOr<SealingKey> DeriveSealingKey(absl::string_view password, const KdfCost& cost = {});

// Returns the envelope (JSON text), sealed with `key` and a fresh random nonce.
absl::StatusOr<std::string> Seal(absl::string_view plaintext, const SealingKey& key);
// The same, deriving the key first. `password` must not be empty.
absl::StatusOr<std::string> Seal(absl::string_view plaintext, absl::string_view password,
                                 const KdfCost& cost = {});

// Opens an envelope. A wrong password (the tag does not match) is PermissionDenied; a damaged
// or unknown envelope is InvalidArgument naming the field.
// The size Seal gives a `plaintext_size`-byte plaintext (known before the key is derived:
// scrypt runs while the media stream, issue 10).
size_t SealedSize(size_t plaintext_size, const KdfCost& cost = {});

absl::StatusOr<std::string> Unseal(absl::string_view envelope, absl::string_view password);

std::string Base64Encode(absl::string_view bytes);
absl::StatusOr<std::string> Base64Decode(absl::string_view text);

}  // namespace mediaforge::media
