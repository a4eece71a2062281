#include "fs/media/certificate.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
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
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

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

// Every field of the self-signed certificate but the signature: shared by the certificate and
// its shape (SelfSignedCertificateShape), so the two cannot drift apart.
absl::Status FillUnsigned(X509* cert, EVP_PKEY* key, int64_t not_before, int64_t not_after,
                          const std::string& common_name) {
  X509_set_version(cert, 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return absl::InternalError("no random bytes");
  // RFC 5280 4.1.2.2: a positive integer; the top byte never zero, so the serial (and with it
  // the certificate) always has the same encoded size.
  serial[0] = (serial[0] & 0x3F) | 0x40;
  BnPtr bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) {
    return absl::InternalError("cannot set the serial number");
  }
  if (!ASN1_TIME_set(X509_getm_notBefore(cert), static_cast<time_t>(not_before)) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert), static_cast<time_t>(not_after))) {
    return absl::InternalError("cannot set the validity dates");
  }
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  for (auto [nid, value] : {std::pair<int, const char*>{NID_basic_constraints, "critical,CA:FALSE"},
                            {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                            {NID_ext_key_usage, "clientAuth"},
                            {NID_subject_key_identifier, "hash"}}) {
    if (auto s = AddExtension(cert, nid, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// A stand-in RSA-2048 public key (n = 2^2047 + 1, e = 65537): the real key's encoded size, no
// key generation. Never signs anything.
PkeyPtr StandInPublicKey() {
  BnPtr n(BN_new()), e(BN_new());
  if (!n || !e || !BN_set_bit(n.get(), 2047) || !BN_set_bit(n.get(), 0) ||
      !BN_set_word(e.get(), RSA_F4)) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>> build(
      OSSL_PARAM_BLD_new());
  if (!build || !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get())) {
    return nullptr;
  }
  std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>> params(
      OSSL_PARAM_BLD_to_param(build.get()));
  std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return PkeyPtr(key);
}

// Bytes of a DER element (tag, length, content) with `content` bytes (X.690 8.1.3).
size_t DerElementSize(size_t content) {
  size_t length_bytes = content < 0x80 ? 1 : content < 0x100 ? 2 : content < 0x10000 ? 3 : 4;
  return 1 + length_bytes + content;
}

constexpr int kRsaBits = 2048;
// PKCS#8 PrivateKeyInfo of an RSA-2048 key (RFC 5208, RFC 8017 A.1.2): 1216 to 1219 bytes as
// OpenSSL writes them (components lose a byte when their top byte is zero); bounded with room.
constexpr size_t kPrivateKeyDerBound = 1232;

}  // namespace

std::string PemPlaceholder(const std::string& label, size_t der_size) {
  const size_t base64 = 4 * ((der_size + 2) / 3);
  std::string pem = absl::StrCat("-----BEGIN ", label, "-----\n");
  for (size_t done = 0; done < base64; done += 64) {
    pem.append(std::min<size_t>(64, base64 - done), 'A');
    pem += '\n';
  }
  absl::StrAppend(&pem, "-----END ", label, "-----\n");
  return pem;
}

absl::StatusOr<SelfSignedShape> SelfSignedCertificateShape(int64_t not_before, int64_t not_after,
                                                           const std::string& common_name) {
  if (not_before >= not_after) {
    return absl::InvalidArgumentError("the certificate's start date is not before its end date");
  }
  PkeyPtr stand_in = StandInPublicKey();
  X509Ptr cert(X509_new());
  if (!stand_in || !cert) return absl::InternalError("cannot make a stand-in RSA key (OpenSSL)");
  if (auto s = FillUnsigned(cert.get(), stand_in.get(), not_before, not_after, common_name);
      !s.ok()) {
    return s;
  }
  // The to-be-signed part names the signature algorithm too (RFC 5280 4.1.2.3); X509_sign sets
  // it, so set the same one here (the field is the certificate's own, hence the const_cast).
  if (X509_ALGOR_set0(const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(cert.get())),
                      OBJ_nid2obj(NID_sha256WithRSAEncryption), V_ASN1_NULL, nullptr) != 1) {
    return absl::InternalError("cannot set the signature algorithm (OpenSSL)");
  }
  const int tbs = i2d_re_X509_tbs(cert.get(), nullptr);
  if (tbs <= 0) return absl::InternalError("cannot encode the certificate (OpenSSL)");
  // RFC 5280 4.1.1: SEQUENCE { tbsCertificate, signatureAlgorithm (sha256WithRSAEncryption,
  // NULL parameters: 15 bytes), signatureValue (BIT STRING: an unused-bits byte and the
  // 256-byte RSA signature) }.
  const size_t signature_algorithm = 15;
  const size_t signature = DerElementSize(1 + kRsaBits / 8);
  SelfSignedShape shape;
  shape.certificate_pem_size =
      PemPlaceholder("CERTIFICATE",
                     DerElementSize(static_cast<size_t>(tbs) + signature_algorithm + signature))
          .size();
  shape.private_key_pem_bound = PemPlaceholder("PRIVATE KEY", kPrivateKeyDerBound);
  char* subject = X509_NAME_oneline(X509_get_subject_name(cert.get()), nullptr, 0);
  if (subject) {
    shape.subject = subject;
    OPENSSL_free(subject);
  }
  return shape;
}

absl::StatusOr<MediaCertificate> MakeSelfSignedCertificate(int64_t not_before, int64_t not_after,
                                                           const std::string& common_name) {
  if (not_before >= not_after) {
    return absl::InvalidArgumentError("the certificate's start date is not before its end date");
  }
  PkeyPtr key(EVP_RSA_gen(kRsaBits));
  if (!key) return absl::InternalError(absl::StrCat("RSA key generation: ", OpenSslError()));
  X509Ptr cert(X509_new());
  if (!cert) return absl::InternalError("X509_new failed");
  if (auto s = FillUnsigned(cert.get(), key.get(), not_before, not_after, common_name); !s.ok()) {
    return s;
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
