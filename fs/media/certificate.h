// The media certificate (the wizard's "Security" page): a new self-signed client certificate,
// or a PKI one imported from PKCS#12. Either way the result must be usable as a client
// certificate for the management points: a private key, inside its validity period, with the
// clientAuth extended key usage (RFC 5280 4.2.1.12, id-kp-clientAuth).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace mediaforge::media {

struct MediaCertificate {
  std::string certificate_pem;
  std::string private_key_pem;  // PKCS#8, unencrypted: sealed before it reaches the media
  std::string thumbprint;       // SHA-1 of the DER certificate, upper-case hex (as Windows shows)
  std::string subject;
  int64_t not_before = 0;  // seconds since the epoch
  int64_t not_after = 0;
  bool self_signed = false;
};

// RSA-2048 key pair and an X.509 v3 certificate signed with it (SHA-256): subject and issuer
// CN=`common_name`, basicConstraints CA:FALSE, keyUsage digitalSignature+keyEncipherment,
// extendedKeyUsage clientAuth, validity [not_before, not_after].
absl::StatusOr<MediaCertificate> MakeSelfSignedCertificate(int64_t not_before, int64_t not_after,
                                                           const std::string& common_name);

// What MakeSelfSignedCertificate will make, known before its key exists (the key is generated
// while the media stream, issue 10): the PEM certificate's exact size (a 16-byte serial, a
// 2048-bit modulus and a 256-byte signature always encode to the same size), a PEM placeholder
// at least as long as the private key's PEM, line for line, and the subject as
// MediaCertificate::subject gives it.
struct SelfSignedShape {
  size_t certificate_pem_size = 0;
  std::string private_key_pem_bound;
  std::string subject;
};
absl::StatusOr<SelfSignedShape> SelfSignedCertificateShape(int64_t not_before, int64_t not_after,
                                                           const std::string& common_name);

// A PEM text of a `der_size`-byte body (64-character lines, as OpenSSL writes them), all 'A's.
std::string PemPlaceholder(const std::string& label, size_t der_size);

// Loads `path` with `password` and checks it at time `now`. Refusals are FailedPrecondition
// naming the file and the reason: wrong password, no private key, expired, not yet valid, no
// clientAuth EKU.
absl::StatusOr<MediaCertificate> LoadPkcs12Certificate(const std::string& path,
                                                       const std::string& password, int64_t now);

}  // namespace mediaforge::media
