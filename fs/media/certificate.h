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

// Loads `path` with `password` and checks it at time `now`. Refusals are FailedPrecondition
// naming the file and the reason: wrong password, no private key, expired, not yet valid, no
// clientAuth EKU.
absl::StatusOr<MediaCertificate> LoadPkcs12Certificate(const std::string& path,
                                                       const std::string& password, int64_t now);

}  // namespace mediaforge::media
