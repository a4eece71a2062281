// Authenticode signatures of a PE/COFF image, per Microsoft's "Windows Authenticode Portable
// Executable Signature Format": the image digest recomputed the way UEFI firmware does it
// (headers without CheckSum and the certificate-table entry, sections in file order, trailing
// data but not the certificate table), and each WIN_CERTIFICATE's PKCS#7 SignedData read with
// OpenSSL: the digest it signs (SpcIndirectDataContent), the signer and its issuer, the
// certificates it carries, and whether the signer's signature over it verifies.
//
// What this does NOT do: decide trust. Whether a firmware accepts a signature depends on the
// keys enrolled in its db/dbx; this names the signer and issuer so a user (or the audit) can tell.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fs/pe/pe_image.h"

namespace mediaforge::pe {

struct CertificateName {
  std::string subject;  // common name (CN), else the one-line distinguished name
  std::string issuer;
};

struct AuthenticodeSignature {
  uint64_t offset = 0;           // file offset of its WIN_CERTIFICATE
  std::string digest_algorithm;  // "sha256", "sha1", ... (from SpcIndirectDataContent)
  std::string signed_digest;     // hex, what the signature covers
  std::string image_digest;      // hex, recomputed from the image
  bool digest_ok = false;        // the two agree: the image is what was signed
  bool signature_ok = false;     // the signer's signature verifies with the leaf's public key
  std::string signer;            // leaf certificate's subject CN
  std::string issuer;            // leaf certificate's issuer CN
  std::vector<CertificateName> certificates;  // every certificate the SignedData carries
  std::vector<std::string> problems;          // why something could not be read or verified
};

struct AuthenticodeInfo {
  bool has_certificate_table = false;
  std::vector<AuthenticodeSignature> signatures;  // PKCS#7 entries, in table order
  std::vector<std::string> problems;  // malformed or unsupported WIN_CERTIFICATE entries
};

// The Authenticode image digest with `algorithm` (an OpenSSL digest name: "sha256", "sha1").
// Fails when the image's layout makes the digest undefined (sections overlapping the
// certificate table, headers past the end).
absl::StatusOr<std::vector<uint8_t>> ComputeImageDigest(std::span<const uint8_t> bytes,
                                                        const PeImage& image,
                                                        absl::string_view algorithm);

// Reads every signature of `image` (parsed from `bytes`). `name` goes into messages.
AuthenticodeInfo ReadAuthenticode(std::span<const uint8_t> bytes, const PeImage& image,
                                  absl::string_view name = "");

}  // namespace mediaforge::pe
