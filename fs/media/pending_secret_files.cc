#include "fs/media/pending_secret_files.h"

#include "absl/strings/str_cat.h"

namespace mediaforge::media {
namespace {

// The certificate's common name (MakeCertificate in builder.cc names PKCS#12 ones by their own).
std::string SelfSignedName(const MediaSpec& spec) {
  return absl::StrCat("mediaforge media ", spec.label);
}

// The files of `spec` for `facts`, the certificate `cert` (its private key in the secret part)
// and the sealing key `sealing` (null: the secret part in clear). The secret part's JSON is
// padded with spaces to `secret_plain_size` (JSON allows trailing white space, RFC 8259 2).
absl::StatusOr<std::vector<GeneratedFile>> SecretFiles(const MediaSpec& spec,
                                                       const MediaFacts& facts,
                                                       const MediaCertificate* cert,
                                                       const SealingKey* sealing,
                                                       size_t secret_plain_size) {
  std::vector<GeneratedFile> files;
  if (spec.type == MediaType::kBootable) {
    SecretPayload payload;
    payload.variables = spec.variables;
    payload.secret_variables = spec.secret_variables;
    if (cert) {
      payload.certificate_key_pem = cert->private_key_pem;
      files.push_back({MediaPath(kCertificateFile), cert->certificate_pem});
    }
    std::string plain = SecretPayloadJson(payload);
    WipeString(payload.certificate_key_pem);
    if (plain.size() > secret_plain_size) {
      WipeString(plain);
      return absl::InternalError(absl::StrCat("the secret part came out at more than the ",
                                              secret_plain_size, " bytes planned"));
    }
    plain.resize(secret_plain_size, ' ');
    if (sealing) {
      auto sealed = Seal(plain, *sealing);
      WipeString(plain);  // the variables in clear and the certificate's private key
      if (!sealed.ok()) return sealed.status();
      files.push_back({MediaPath(kSealedFile), std::move(*sealed)});
    } else {
      files.push_back({MediaPath(kUnsealedFile), std::move(plain)});
    }
  }
  files.push_back({MediaPath(kConfigFile), ConfigJson(spec, facts)});
  return files;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PendingSecretFiles>> PendingSecretFiles::Start(
    const MediaSpec& spec, std::optional<SecretString> password,
    std::optional<MediaCertificate> loaded, const MediaFacts& facts) {
  std::unique_ptr<PendingSecretFiles> p(new PendingSecretFiles());
  p->spec_ = spec;
  p->facts_ = facts;
  p->loaded_ = std::move(loaded);
  // The placeholders' sizes: a stand-in for what the keys will give, of the same size.
  MediaCertificate stand_in;
  if (p->loaded_) {
    stand_in = *p->loaded_;
  } else if (spec.certificate.kind == CertificateSpec::Kind::kSelfSigned) {
    auto shape = SelfSignedCertificateShape(spec.certificate.valid_from, spec.certificate.valid_to,
                                            SelfSignedName(spec));
    if (!shape.ok()) return shape.status();
    stand_in.certificate_pem = std::string(shape->certificate_pem_size, '\0');
    stand_in.private_key_pem = shape->private_key_pem_bound;
    stand_in.subject = shape->subject;
    stand_in.thumbprint = std::string(40, '0');  // SHA-1, upper-case hex
  }
  const bool certificate =
      p->loaded_ || spec.certificate.kind == CertificateSpec::Kind::kSelfSigned;
  MediaFacts planned = p->facts_;
  if (certificate) {
    planned.certificate_thumbprint = stand_in.thumbprint;
    planned.certificate_subject = stand_in.subject;
  }
  SecretPayload bound;
  bound.variables = spec.variables;
  bound.secret_variables = spec.secret_variables;
  if (certificate) bound.certificate_key_pem = stand_in.private_key_pem;
  p->secret_plain_size_ = SecretPayloadJson(bound).size();
  auto files =
      SecretFiles(spec, planned, certificate ? &stand_in : nullptr, nullptr, p->secret_plain_size_);
  if (!files.ok()) return files.status();
  for (GeneratedFile& f : *files) {
    size_t size = f.bytes.size();
    if (password && f.path == MediaPath(kUnsealedFile)) {
      f.path = MediaPath(kSealedFile);
      size = SealedSize(size);
    }
    WipeString(f.bytes);
    p->placeholders_.push_back({f.path, std::string(size, '\0')});
  }
  WipeString(stand_in.private_key_pem);  // a PKCS#12 certificate's real key

  if (!p->loaded_ && spec.certificate.kind == CertificateSpec::Kind::kSelfSigned) {
    p->making_ = std::async(
        std::launch::async,
        [from = spec.certificate.valid_from, to = spec.certificate.valid_to,
         name = SelfSignedName(spec)] { return MakeSelfSignedCertificate(from, to, name); });
  }
  if (spec.type == MediaType::kBootable && password) {
    p->password_ = std::move(password);
    p->deriving_ = std::async(
        std::launch::async, [secret = &*p->password_] { return DeriveSealingKey(secret->view()); });
  }
  return p;
}

PendingSecretFiles::~PendingSecretFiles() {
  // The threads read password_ (and nothing else of this object): wait for them first.
  if (making_.valid()) making_.wait();
  if (deriving_.valid()) deriving_.wait();
}

absl::StatusOr<std::vector<GeneratedFile>> PendingSecretFiles::Finish() {
  if (!finished_) finished_ = Make();
  return *finished_;
}

absl::StatusOr<std::vector<GeneratedFile>> PendingSecretFiles::Make() {
  std::optional<MediaCertificate> cert = loaded_;
  if (making_.valid()) {
    auto made = making_.get();
    if (!made.ok()) return made.status();
    cert = std::move(*made);
  }
  std::optional<SealingKey> sealing;
  if (deriving_.valid()) {
    auto derived = deriving_.get();
    if (!derived.ok()) return derived.status();
    sealing = std::move(*derived);
  }
  password_.reset();  // wiped (SecretString)
  if (cert) {
    facts_.certificate_thumbprint = cert->thumbprint;
    facts_.certificate_subject = cert->subject;
  }
  auto files = SecretFiles(spec_, facts_, cert ? &*cert : nullptr, sealing ? &*sealing : nullptr,
                           secret_plain_size_);
  if (cert) WipeString(cert->private_key_pem);
  if (loaded_) WipeString(loaded_->private_key_pem);
  if (!files.ok()) return files.status();
  for (size_t i = 0; i < files->size(); ++i) {
    const GeneratedFile& real = (*files)[i];
    const GeneratedFile& planned = placeholders_[i];
    if (real.path != planned.path || real.bytes.size() != planned.bytes.size()) {
      return absl::InternalError(absl::StrCat("/", real.path, " came out at ", real.bytes.size(),
                                              " bytes, but ", planned.bytes.size(),
                                              " were planned"));
    }
  }
  return files;
}

}  // namespace mediaforge::media
