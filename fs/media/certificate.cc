#include "fs/media/certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace mediaforge::media {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using P12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12, PKCS12_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void FreeChain(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no detail";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

int64_t AsnTimeToEpoch(const ASN1_TIME* t) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

// Fills the PEM texts, thumbprint and dates of a loaded certificate and key.
absl::StatusOr<MediaCertificate> Describe(X509* cert, EVP_PKEY* key, bool self_signed) {
  MediaCertificate out;
  out.self_signed = self_signed;
  BioPtr cert_bio(BIO_new(BIO_s_mem())), key_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || !key_bio || PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError(absl::StrCat("cannot encode the certificate: ", OpenSslError()));
  }
  out.certificate_pem = BioText(cert_bio.get());
  out.private_key_pem = BioText(key_bio.get());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(cert, EVP_sha1(), md, &md_len) != 1) {
    return absl::InternalError("cannot compute the certificate thumbprint");
  }
  for (unsigned int i = 0; i < md_len; ++i) out.thumbprint += absl::StrFormat("%02X", md[i]);
  char* subject = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0);
  if (subject) {
    out.subject = subject;
    OPENSSL_free(subject);
  }
  out.not_before = AsnTimeToEpoch(X509_get0_notBefore(cert));
  out.not_after = AsnTimeToEpoch(X509_get0_notAfter(cert));
  return out;
}

absl::Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return absl::InternalError(absl::StrCat("cannot add extension ", value, ": ", OpenSslError()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MediaCertificate> MakeSelfSignedCertificate(int64_t not_before, int64_t not_after,
                                                           const std::string& common_name) {
  if (not_before >= not_after) {
    return absl::InvalidArgumentError("the certificate's start date is not before its end date");
  }
  PkeyPtr key(EVP_RSA_gen(2048));
  if (!key) return absl::InternalError(absl::StrCat("RSA key generation: ", OpenSslError()));
  X509Ptr cert(X509_new());
  if (!cert) return absl::InternalError("X509_new failed");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return absl::InternalError("no random bytes");
  serial[0] &= 0x7F;  // RFC 5280 4.1.2.2: a positive integer
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()))) {
    return absl::InternalError("cannot set the serial number");
  }
  if (!ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after))) {
    return absl::InternalError("cannot set the validity dates");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  for (auto [nid, value] : {std::pair<int, const char*>{NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                            {NID_ext_key_usage, "clientAuth"},
                            {NID_subject_key_identifier, "hash"}}) {
    if (auto s = AddExtension(cert.get(), nid, value); !s.ok()) return s;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return absl::InternalError(absl::StrCat("signing the certificate: ", OpenSslError()));
  }
  return Describe(cert.get(), key.get(), true);
}

absl::StatusOr<MediaCertificate> LoadPkcs12Certificate(const std::string& path,
                                                       const std::string& password, int64_t now) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the PKCS#12 file"));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string der = ss.str();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  P12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": refused: not a PKCS#12 (.pfx/.p12) file"));
  }
  if (PKCS12_mac_present(p12.get()) &&
      PKCS12_verify_mac(p12.get(), password.c_str(), static_cast<int>(password.size())) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": refused: wrong password for the PKCS#12 file"));
  }
  EVP_PKEY* raw_key = nullptr;
  X509* raw_cert = nullptr;
  STACK_OF(X509)* raw_chain = nullptr;
  if (PKCS12_parse(p12.get(), password.c_str(), &raw_key, &raw_cert, &raw_chain) != 1) {
    std::string why = OpenSslError();
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": refused: cannot open the PKCS#12 file (wrong password?): ", why));
  }
  PkeyPtr key(raw_key);
  X509Ptr cert(raw_cert);
  std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), FreeChain>> chain(raw_chain);
  // Without a key PKCS12_parse returns the certificates in the chain only (it pairs the
  // certificate with the key): "no private key" is the reason to give.
  if (!key) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": refused: the PKCS#12 file holds no private key (a client certificate needs one)"));
  }
  if (!cert) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": refused: the PKCS#12 file holds no certificate"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": refused: the private key does not belong to the certificate"));
  }
  auto described = Describe(cert.get(), key.get(), false);
  if (!described.ok()) return described.status();
  time_t t = static_cast<time_t>(now);
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &t) < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": refused: the certificate expired (notAfter ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(described->not_after),
                         absl::UTCTimeZone()),
        ")"));
  }
  if (X509_cmp_time(X509_get0_notBefore(cert.get()), &t) > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": refused: the certificate is not yet valid (notBefore ",
        absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", absl::FromUnixSeconds(described->not_before),
                         absl::UTCTimeZone()),
        ")"));
  }
  // RFC 5280 4.2.1.12: without the extension any use is allowed, but the wizard (and the MP)
  // demand an explicit client-authentication purpose.
  uint32_t flags = X509_get_extension_flags(cert.get());
  if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path,
                     ": refused: the certificate lacks the client authentication EKU "
                     "(extendedKeyUsage clientAuth, 1.3.6.1.5.5.7.3.2)"));
  }
  return described;
}

}  // namespace mediaforge::media
