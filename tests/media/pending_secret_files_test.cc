// The files that wait for keys (issue 10: the keys are made while the media stream): their real
// bytes are exactly the size planned for every combination of certificate, password and media
// type, the sealed part opens with the password (trailing padding and all), and the facts get
// the certificate's thumbprint.
#include "fs/media/pending_secret_files.h"

#include <gtest/gtest.h>

#include "fs/media/seal.h"
#include "fs/media/spec.h"

namespace mediaforge::media {
namespace {

MediaSpec Spec(MediaType type, CertificateSpec::Kind cert) {
  MediaSpec spec;
  spec.type = type;
  spec.label = "Configuration Manager";
  if (type == MediaType::kBootable) {
    spec.management_points = {"http://mp1.corp.example"};
    spec.variables = {{"OSDComputerName", "LAB-01"}, {"DomainJoinPassword", "p\"w\\d\n"}};
    spec.secret_variables = {"DomainJoinPassword"};
  }
  spec.certificate.kind = cert;
  spec.certificate.valid_from = *ParseUtcDate("2026-11-21");
  spec.certificate.valid_to = *ParseUtcDate("2027-11-21");
  return spec;
}

TEST(PendingSecretFiles, RealBytesFitThePlaceholders) {
  for (MediaType type : {MediaType::kBootable, MediaType::kCapture}) {
    for (auto cert : {CertificateSpec::Kind::kNone, CertificateSpec::Kind::kSelfSigned}) {
      if (type == MediaType::kCapture && cert != CertificateSpec::Kind::kNone) continue;
      for (bool password : {false, true}) {
        SCOPED_TRACE(::testing::Message()
                     << "capture " << (type == MediaType::kCapture) << " certificate "
                     << static_cast<int>(cert) << " password " << password);
        const MediaSpec spec = Spec(type, cert);
        std::optional<SecretString> secret;
        if (password) secret.emplace(std::string("correct horse"));
        MediaFacts facts;
        facts.tool_version = "test";
        auto pending = PendingSecretFiles::Start(spec, std::move(secret), std::nullopt, facts);
        ASSERT_TRUE(pending.ok()) << pending.status();
        const std::vector<GeneratedFile> planned = (*pending)->placeholders();
        auto real = (*pending)->Finish();
        ASSERT_TRUE(real.ok()) << real.status();
        ASSERT_EQ(real->size(), planned.size());
        for (size_t i = 0; i < planned.size(); ++i) {
          EXPECT_EQ((*real)[i].path, planned[i].path);
          EXPECT_EQ((*real)[i].bytes.size(), planned[i].bytes.size()) << planned[i].path;
        }
        const bool self_signed = cert == CertificateSpec::Kind::kSelfSigned;
        EXPECT_EQ((*pending)->facts().certificate_thumbprint.size(), self_signed ? 40u : 0u);
        for (const GeneratedFile& f : *real) {
          if (f.path != MediaPath(password ? kSealedFile : kUnsealedFile)) continue;
          std::string plain = f.bytes;
          if (password) {
            auto opened = Unseal(f.bytes, "correct horse");
            ASSERT_TRUE(opened.ok()) << opened.status();
            plain = *opened;
          } else {
            EXPECT_EQ(f.bytes.find("BEGIN PRIVATE KEY") != std::string::npos, self_signed);
          }
          auto payload = ParseSecretPayload(plain);
          ASSERT_TRUE(payload.ok()) << payload.status();
          EXPECT_EQ(payload->variables, spec.variables);
          EXPECT_EQ(payload->certificate_key_pem.empty(), !self_signed);
        }
        auto again = (*pending)->Finish();  // once: the same answer
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(again->back().bytes, real->back().bytes);
      }
    }
  }
}

TEST(PendingSecretFiles, BadDatesRefusedAtStart) {
  MediaSpec spec = Spec(MediaType::kBootable, CertificateSpec::Kind::kSelfSigned);
  std::swap(spec.certificate.valid_from, spec.certificate.valid_to);
  auto pending = PendingSecretFiles::Start(spec, std::nullopt, std::nullopt, MediaFacts{});
  ASSERT_FALSE(pending.ok());
  EXPECT_NE(pending.status().message().find("start date"), std::string::npos);
}

TEST(SealedSize, IsTheSizeSealGives) {
  auto key = DeriveSealingKey("pw", KdfCost{.n = 1 << 10, .r = 8, .p = 1});
  ASSERT_TRUE(key.ok()) << key.status();
  for (size_t n : {0u, 1u, 2u, 3u, 100u, 4096u, 4097u}) {
    auto sealed = Seal(std::string(n, 'x'), *key);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    EXPECT_EQ(sealed->size(), SealedSize(n, key->cost)) << n;
  }
}

}  // namespace
}  // namespace mediaforge::media
