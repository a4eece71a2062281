// Authenticode on real signed EFI binaries: Debian's shim (Microsoft UEFI CA 2011) and signed
// GRUB (Debian Secure Boot CA), an unsigned grub-mkstandalone image, one signed at test time
// with sbsign and a throwaway CA, and that one with a byte flipped in a section. Judges:
// osslsigncode (its own recomputation of the image digest) and sbverify.
#include "fs/pe/authenticode.h"

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "fs/pe/pe_image.h"
#include "tests/pe/pe_test_util.h"
#include "tests/support/boot_payloads.h"
#include "tests/support/test_support.h"

namespace mediaforge::pe {
namespace {

using testing::ReadBytes;

#define REQUIRE_FILE(path) \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "needs " << path << " (Debian package)"

AuthenticodeInfo Read(const std::vector<uint8_t>& bytes, const std::string& name) {
  auto image = ParsePeImage(bytes, name);
  EXPECT_TRUE(image.ok()) << image.status();
  if (!image.ok()) return {};
  return ReadAuthenticode(bytes, *image, name);
}

// osslsigncode's "Calculated message digest" for the first signature, lower-case hex.
std::string OsslsigncodeDigest(const std::string& path) {
  auto r = testing::Run({"osslsigncode", "verify", "-in", path});
  const std::string key = "Calculated message digest : ";
  auto at = r.output.find(key);
  if (at == std::string::npos) return "";
  return absl::AsciiStrToLower(r.output.substr(at + key.size(), 64));
}

TEST(Authenticode, ShimIsSignedUnderMicrosoftUefiCa2011) {
  REQUIRE_FILE(testing::kShimSigned);
  auto info = Read(ReadBytes(testing::kShimSigned), testing::kShimSigned);
  EXPECT_TRUE(info.problems.empty()) << info.problems[0];
  // Debian's shim 16 carries two signatures: Microsoft's 2011 third-party CA and its 2023 one.
  ASSERT_GE(info.signatures.size(), 1u);
  const auto& s = info.signatures[0];
  EXPECT_TRUE(s.problems.empty()) << s.problems[0];
  EXPECT_EQ(s.digest_algorithm, "sha256");
  EXPECT_TRUE(s.digest_ok) << s.signed_digest << " vs " << s.image_digest;
  EXPECT_TRUE(s.signature_ok);
  EXPECT_EQ(s.signer, "Microsoft Windows UEFI Driver Publisher");
  EXPECT_EQ(s.issuer, "Microsoft Corporation UEFI CA 2011");
  bool has_ca = false;
  for (const auto& c : s.certificates) {
    has_ca |= c.subject == "Microsoft Corporation UEFI CA 2011" &&
              c.issuer == "Microsoft Corporation Third Party Marketplace Root";
  }
  EXPECT_TRUE(has_ca);
  for (const auto& other : info.signatures) {
    EXPECT_TRUE(other.digest_ok) << other.signer;
    EXPECT_TRUE(other.signature_ok) << other.signer;
  }
}

TEST(Authenticode, DebianGrubIsSignedByDebiansKeyAndOsslsigncodeAgreesOnTheDigest) {
  REQUIRE_FILE(testing::kGrubSigned);
  auto info = Read(ReadBytes(testing::kGrubSigned), testing::kGrubSigned);
  ASSERT_EQ(info.signatures.size(), 1u);
  const auto& s = info.signatures[0];
  EXPECT_TRUE(s.digest_ok);
  EXPECT_TRUE(s.signature_ok);
  EXPECT_EQ(s.signer, "Debian Secure Boot Signer 2022 - grub2");
  EXPECT_EQ(s.issuer, "Debian Secure Boot CA");
  MF_REQUIRE_TOOL("osslsigncode");
  EXPECT_EQ(s.image_digest, OsslsigncodeDigest(testing::kGrubSigned));
}

TEST(Authenticode, GrubMkstandaloneImageIsUnsigned) {
  MF_REQUIRE_GRUB("x86_64-efi");
  testing::TempDir dir;
  std::string why;
  const std::string path = (dir / "grub.efi").string();
  ASSERT_TRUE(testing::BuildGrubEfiStandalone(path, testing::MarkerGrubConfig("x"), &why)) << why;
  auto bytes = ReadBytes(path);
  auto image = ParsePeImage(bytes, path);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->machine, Machine::kX64);
  auto info = ReadAuthenticode(bytes, *image, path);
  EXPECT_FALSE(info.has_certificate_table);
  EXPECT_TRUE(info.signatures.empty());
  // The digest of an unsigned image is still defined (what a signer would sign).
  auto digest = ComputeImageDigest(bytes, *image, "sha256");
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(digest->size(), 32u);
}

TEST(Authenticode, SignedAtTestTimeThenTamperedWith) {
  REQUIRE_FILE(testing::kShimUnsigned);
  testing::TempDir dir;
  const std::string signed_path = (dir / "signed.efi").string();
  std::string why;
  if (!testing::SignWithTestKey(dir.path(), testing::kShimUnsigned, signed_path, &why)) {
    GTEST_SKIP() << why;
  }
  auto bytes = ReadBytes(signed_path);
  auto info = Read(bytes, signed_path);
  ASSERT_EQ(info.signatures.size(), 1u);
  const auto& s = info.signatures[0];
  EXPECT_TRUE(s.digest_ok);
  EXPECT_TRUE(s.signature_ok);
  EXPECT_EQ(s.signer, testing::kTestSignerName);
  EXPECT_EQ(s.issuer, testing::kTestCaName);
  ASSERT_EQ(s.certificates.size(), 2u);  // the signer and the CA added with --addcert
  if (testing::HaveTool("osslsigncode")) {
    EXPECT_EQ(s.image_digest, OsslsigncodeDigest(signed_path));
  }
  if (testing::HaveTool("sbverify")) {
    auto r = testing::Run({"sbverify", "--cert", (dir / "ca.crt").string(), signed_path});
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }

  // One byte flipped inside a section: the image is no longer what was signed, while the
  // signature over the signed attributes still verifies.
  const uint64_t flipped = testing::FlipByteInFirstSection(bytes);
  ASSERT_NE(flipped, 0u);
  const std::string tampered_path = (dir / "tampered.efi").string();
  testing::WriteBytes(tampered_path, bytes);
  auto tampered = Read(bytes, tampered_path);
  ASSERT_EQ(tampered.signatures.size(), 1u);
  EXPECT_FALSE(tampered.signatures[0].digest_ok);
  EXPECT_TRUE(tampered.signatures[0].signature_ok);
  EXPECT_EQ(tampered.signatures[0].signed_digest, s.signed_digest);
  EXPECT_NE(tampered.signatures[0].image_digest, s.image_digest);
  if (testing::HaveTool("sbverify")) {
    auto r = testing::Run({"sbverify", "--cert", (dir / "ca.crt").string(), tampered_path});
    EXPECT_NE(r.exit_code, 0) << "sbverify accepted a tampered image: " << r.output;
  }
}

TEST(Authenticode, BrokenCertificateTableIsReportedNotFatal) {
  REQUIRE_FILE(testing::kGrubSigned);
  auto bytes = ReadBytes(testing::kGrubSigned);
  auto image = ParsePeImage(bytes);
  ASSERT_TRUE(image.ok());
  const uint32_t at = image->certificate_table->offset;
  // dwLength larger than the table.
  auto b = bytes;
  b[at + 3] = 0x7F;
  auto info = ReadAuthenticode(b, *image, "evil.efi");
  ASSERT_FALSE(info.problems.empty());
  EXPECT_NE(info.problems[0].find("evil.efi @"), std::string::npos);
  // Garbage where the PKCS#7 should be.
  b = bytes;
  for (uint32_t i = at + 8; i < at + 64; ++i) b[i] = 0x5A;
  info = ReadAuthenticode(b, *image, "evil.efi");
  ASSERT_EQ(info.signatures.size(), 1u);
  EXPECT_FALSE(info.signatures[0].digest_ok);
  EXPECT_FALSE(info.signatures[0].problems.empty());
}

}  // namespace
}  // namespace mediaforge::pe
