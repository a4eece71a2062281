#include "fs/pe/authenticode.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "fs/pe/on_disk.h"

namespace mediaforge::pe {
namespace {

// Authenticode: SpcIndirectDataContent, the content type of an Authenticode SignedData.
constexpr char kSpcIndirectDataOid[] = "1.3.6.1.4.1.311.2.1.4";

struct OpenSslFree {
  void operator()(PKCS7* p) const { PKCS7_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(X509_SIG* p) const { X509_SIG_free(p); }
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
  void operator()(STACK_OF(ASN1_TYPE) * p) const { sk_ASN1_TYPE_pop_free(p, ASN1_TYPE_free); }
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};
template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

std::string Hex(std::span<const uint8_t> bytes) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// CN of `name`, or its one-line form when it has none.
std::string CommonName(const X509_NAME* name) {
  if (name == nullptr) return "";
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index >= 0) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length >= 0) {
      std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(length));
      OPENSSL_free(utf8);
      return cn;
    }
  }
  char buffer[512];
  X509_NAME_oneline(name, buffer, sizeof(buffer));
  return buffer;
}

// Hashes the byte ranges `ranges` of `bytes` with `md`.
class Digester {
 public:
  explicit Digester(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_.get(), md, nullptr) == 1;
  }
  void Update(std::span<const uint8_t> bytes, uint64_t begin, uint64_t end) {
    if (end > begin) ok_ = ok_ && EVP_DigestUpdate(ctx_.get(), bytes.data() + begin, end - begin);
  }
  std::optional<std::vector<uint8_t>> Finish() {
    std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
    unsigned int length = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_.get(), out.data(), &length) != 1) return std::nullopt;
    out.resize(length);
    return out;
  }

 private:
  OpenSslPtr<EVP_MD_CTX> ctx_;
  bool ok_ = false;
};

// What the SignedData's content says was signed: SpcIndirectDataContent ::= SEQUENCE {
// data SpcAttributeTypeAndOptionalValue, messageDigest DigestInfo } (Authenticode PE, "Authenticode
// Signature Format"). `content_value` receives the DER of the SEQUENCE without its tag and
// length: that is what the signer's messageDigest attribute covers.
struct IndirectData {
  std::string algorithm;
  std::vector<uint8_t> digest;
  std::vector<uint8_t> content_value;
};

std::optional<IndirectData> ReadIndirectData(PKCS7* signed_data, std::string* why) {
  PKCS7* inner = signed_data->d.sign->contents;
  OpenSslPtr<ASN1_OBJECT> spc(OBJ_txt2obj(kSpcIndirectDataOid, 1));
  if (inner == nullptr || inner->type == nullptr || OBJ_cmp(inner->type, spc.get()) != 0) {
    *why = "SignedData content is not an Authenticode SpcIndirectDataContent";
    return std::nullopt;
  }
  const ASN1_TYPE* other = inner->d.other;
  if (other == nullptr || other->type != V_ASN1_SEQUENCE || other->value.sequence == nullptr) {
    *why = "SpcIndirectDataContent is not a SEQUENCE";
    return std::nullopt;
  }
  const ASN1_STRING* der = other->value.sequence;
  const unsigned char* p = der->data;
  OpenSslPtr<STACK_OF(ASN1_TYPE)> fields(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, der->length));
  if (fields == nullptr || sk_ASN1_TYPE_num(fields.get()) < 2 ||
      sk_ASN1_TYPE_value(fields.get(), 1)->type != V_ASN1_SEQUENCE) {
    *why = "SpcIndirectDataContent has no messageDigest";
    return std::nullopt;
  }
  const ASN1_STRING* digest_info = sk_ASN1_TYPE_value(fields.get(), 1)->value.sequence;
  p = digest_info->data;
  OpenSslPtr<X509_SIG> sig(d2i_X509_SIG(nullptr, &p, digest_info->length));
  if (sig == nullptr) {
    *why = "SpcIndirectDataContent messageDigest is not a DigestInfo";
    return std::nullopt;
  }
  const X509_ALGOR* algorithm = nullptr;
  const ASN1_OCTET_STRING* digest = nullptr;
  X509_SIG_get0(sig.get(), &algorithm, &digest);
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, algorithm);
  IndirectData out;
  int nid = OBJ_obj2nid(oid);
  out.algorithm = nid == NID_undef ? "unknown" : absl::AsciiStrToLower(OBJ_nid2sn(nid));
  out.digest.assign(digest->data, digest->data + digest->length);
  // Skip the SEQUENCE's own tag and length.
  p = der->data;
  long length = 0;
  int tag = 0, xclass = 0;
  if (ASN1_get_object(&p, &length, &tag, &xclass, der->length) & 0x80) {
    *why = "SpcIndirectDataContent has a bad DER length";
    return std::nullopt;
  }
  out.content_value.assign(p, p + length);
  return out;
}

// PKCS #7 (RFC 2315) 9.3 / 9.4: with authenticated attributes, their messageDigest must be the
// digest of the content, and the signature covers the DER of the attributes as a SET OF.
bool VerifySignerSignature(PKCS7_SIGNER_INFO* si, X509* signer,
                           std::span<const uint8_t> content_value, std::string* why) {
  const EVP_MD* md = EVP_get_digestbyobj(si->digest_alg->algorithm);
  if (md == nullptr) {
    *why = "signer's digest algorithm is not supported";
    return false;
  }
  std::vector<uint8_t> signed_bytes(content_value.begin(), content_value.end());
  if (si->auth_attr != nullptr && sk_X509_ATTRIBUTE_num(si->auth_attr) > 0) {
    Digester d(md);
    d.Update(content_value, 0, content_value.size());
    auto content_digest = d.Finish();
    ASN1_OCTET_STRING* attribute = PKCS7_digest_from_attributes(si->auth_attr);
    if (!content_digest || attribute == nullptr ||
        static_cast<size_t>(attribute->length) != content_digest->size() ||
        std::memcmp(attribute->data, content_digest->data(), content_digest->size()) != 0) {
      *why = "signed attributes' messageDigest does not match the SpcIndirectDataContent";
      return false;
    }
    unsigned char* der = nullptr;
    int der_length = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(si->auth_attr), &der,
                                   ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
    OpenSslPtr<unsigned char> owned(der);
    if (der_length <= 0) {
      *why = "signed attributes cannot be encoded";
      return false;
    }
    signed_bytes.assign(der, der + der_length);
  }
  OpenSslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY* key = X509_get0_pubkey(signer);
  if (ctx == nullptr || key == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestVerify(ctx.get(), si->enc_digest->data, si->enc_digest->length, signed_bytes.data(),
                       signed_bytes.size()) != 1) {
    *why = "the signer's signature does not verify with its certificate's public key";
    return false;
  }
  return true;
}

// One WIN_CERTIFICATE of type PKCS_SIGNED_DATA.
AuthenticodeSignature ReadSignature(std::span<const uint8_t> der, uint64_t offset,
                                    std::span<const uint8_t> bytes, const PeImage& image,
                                    std::map<std::string, std::vector<uint8_t>>& digests) {
  AuthenticodeSignature s;
  s.offset = offset;
  const unsigned char* p = der.data();
  OpenSslPtr<PKCS7> p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  if (p7 == nullptr || !PKCS7_type_is_signed(p7.get()) || p7->d.sign == nullptr) {
    s.problems.push_back("not a PKCS#7 SignedData");
    return s;
  }
  std::string why;
  auto indirect = ReadIndirectData(p7.get(), &why);
  if (!indirect) {
    s.problems.push_back(why);
    return s;
  }
  s.digest_algorithm = indirect->algorithm;
  s.signed_digest = Hex(indirect->digest);
  if (!digests.contains(s.digest_algorithm)) {
    auto d = ComputeImageDigest(bytes, image, s.digest_algorithm);
    if (d.ok()) {
      digests[s.digest_algorithm] = *d;
    } else {
      s.problems.push_back(std::string(d.status().message()));
    }
  }
  if (auto it = digests.find(s.digest_algorithm); it != digests.end()) {
    s.image_digest = Hex(it->second);
    s.digest_ok = it->second == indirect->digest;
  }

  STACK_OF(X509)* certs = p7->d.sign->cert;
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    X509* c = sk_X509_value(certs, i);
    s.certificates.push_back(
        {CommonName(X509_get_subject_name(c)), CommonName(X509_get_issuer_name(c))});
  }
  STACK_OF(PKCS7_SIGNER_INFO)* infos = PKCS7_get_signer_info(p7.get());
  if (infos == nullptr || sk_PKCS7_SIGNER_INFO_num(infos) != 1) {
    s.problems.push_back("Authenticode wants exactly one SignerInfo");
    return s;
  }
  PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(infos, 0);
  X509* signer = si->issuer_and_serial == nullptr
                     ? nullptr
                     : X509_find_by_issuer_and_serial(certs, si->issuer_and_serial->issuer,
                                                      si->issuer_and_serial->serial);
  if (signer == nullptr) {
    s.problems.push_back("the signer's certificate is not in the SignedData");
    if (si->issuer_and_serial != nullptr) s.issuer = CommonName(si->issuer_and_serial->issuer);
    return s;
  }
  s.signer = CommonName(X509_get_subject_name(signer));
  s.issuer = CommonName(X509_get_issuer_name(signer));
  s.signature_ok = VerifySignerSignature(si, signer, indirect->content_value, &why);
  if (!s.signature_ok) s.problems.push_back(why);
  return s;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> ComputeImageDigest(std::span<const uint8_t> bytes,
                                                        const PeImage& image,
                                                        absl::string_view algorithm) {
  const EVP_MD* md = EVP_get_digestbyname(std::string(algorithm).c_str());
  if (md == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest algorithm ", algorithm, " is not supported"));
  }
  if (image.size_of_headers > bytes.size() || image.checksum_offset + 4 > image.size_of_headers) {
    return absl::InvalidArgumentError("PE headers do not fit the file");
  }
  Digester d(md);
  // "Calculating the PE Image Hash", steps 1-7: the headers up to SizeOfHeaders, without the
  // CheckSum field and the Certificate Table data directory entry.
  d.Update(bytes, 0, image.checksum_offset);
  if (image.certificate_entry_offset) {
    d.Update(bytes, image.checksum_offset + 4, *image.certificate_entry_offset);
    d.Update(bytes, *image.certificate_entry_offset + 8, image.size_of_headers);
  } else {
    d.Update(bytes, image.checksum_offset + 4, image.size_of_headers);
  }
  // Steps 8-13: sections with raw data, in ascending PointerToRawData order.
  std::vector<const PeSection*> sections;
  for (const auto& s : image.sections) {
    if (s.raw_size == 0) continue;
    if (uint64_t{s.raw_offset} + s.raw_size > bytes.size()) {  // `image` from other bytes
      return absl::InvalidArgumentError(
          absl::StrCat("section ", s.name, " runs past the end of the file"));
    }
    sections.push_back(&s);
  }
  std::stable_sort(sections.begin(), sections.end(), [](const PeSection* a, const PeSection* b) {
    return a->raw_offset < b->raw_offset;
  });
  uint64_t sum_of_bytes_hashed = image.size_of_headers;
  for (const PeSection* s : sections) {
    d.Update(bytes, s->raw_offset, uint64_t{s->raw_offset} + s->raw_size);  // bounds: pe_image.cc
    sum_of_bytes_hashed += s->raw_size;
  }
  // Step 14: data past what was hashed, minus the certificate table. Like EDK2's
  // DxeImageVerificationLib, SUM_OF_BYTES_HASHED is used as the offset where that data starts.
  const uint64_t cert_size = image.certificate_table ? image.certificate_table->size : 0;
  if (bytes.size() > sum_of_bytes_hashed) {
    if (bytes.size() < sum_of_bytes_hashed + cert_size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sections and headers (", sum_of_bytes_hashed, " bytes) overlap the certificate table (",
          cert_size, " bytes) in a file of ", bytes.size(), " bytes"));
    }
    d.Update(bytes, sum_of_bytes_hashed, bytes.size() - cert_size);
  }
  auto out = d.Finish();
  if (!out) return absl::InternalError("OpenSSL digest failed");
  return *std::move(out);
}

AuthenticodeInfo ReadAuthenticode(std::span<const uint8_t> bytes, const PeImage& image,
                                  absl::string_view name) {
  AuthenticodeInfo info;
  if (!image.certificate_table) return info;
  info.has_certificate_table = true;
  const std::string who = name.empty() ? "PE image" : std::string(name);
  std::map<std::string, std::vector<uint8_t>> digests;  // per algorithm, computed once
  // "The Attribute Certificate Table": WIN_CERTIFICATE entries, each starting 8-byte aligned.
  const uint64_t begin = image.certificate_table->offset;
  const uint64_t end = begin + image.certificate_table->size;  // inside the file: pe_image.cc
  uint64_t at = begin;
  while (at + sizeof(WinCertificateHeader) <= end) {
    WinCertificateHeader h;
    std::memcpy(&h, bytes.data() + at, sizeof(h));
    if (h.length < sizeof(h) || h.length > end - at) {
      info.problems.push_back(absl::StrCat(who, " @", at, ": WIN_CERTIFICATE length ", h.length,
                                           " does not fit the certificate table"));
      break;
    }
    if (h.certificate_type != kWinCertTypePkcsSignedData) {
      info.problems.push_back(absl::StrCat(who, " @", at, ": WIN_CERTIFICATE type ",
                                           h.certificate_type,
                                           " is not PKCS#7 SignedData (UEFI ignores it)"));
    } else if (h.revision != kWinCertRevision2 && h.revision != kWinCertRevision1) {
      info.problems.push_back(
          absl::StrCat(who, " @", at, ": WIN_CERTIFICATE revision ", h.revision, " is not 0x0200"));
    } else {
      info.signatures.push_back(ReadSignature(bytes.subspan(at + sizeof(h), h.length - sizeof(h)),
                                              at, bytes, image, digests));
    }
    at += (uint64_t{h.length} + 7) & ~uint64_t{7};
  }
  if (info.signatures.empty() && info.problems.empty()) {
    info.problems.push_back(
        absl::StrCat(who, " @", begin, ": certificate table holds no WIN_CERTIFICATE"));
  }
  return info;
}

}  // namespace mediaforge::pe
