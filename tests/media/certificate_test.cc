// The media certificate: self-signed with the requested dates and clientAuth (judged by the
// openssl CLI), PKCS#12 files made with openssl at test time and refused for the right reason.
#include "fs/media/certificate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "fs/media/spec.h"
#include "tests/support/test_support.h"

namespace mediaforge::media {
namespace {

using testing::RunShell;
using testing::TempDir;
using testing::WriteWholeFile;

// The shape is known before the key (the key is made while the media stream): the certificate's
// exact size and subject, and a bound on the private key's PEM, line for line; labels of every
// length and dates before and after 2050 (UTCTime / GeneralizedTime, RFC 5280 4.1.2.5).
TEST(CertificateTest, ShapeKnownBeforeTheKey) {
  const int64_t dates[][2] = {{*ParseUtcDate("2026-11-21"), *ParseUtcDate("2027-11-21")},
                              {*ParseUtcDate("2030-01-01"), *ParseUtcDate("2060-01-01")}};
  for (const std::string& cn :
       std::vector<std::string>{"mediaforge media x", "mediaforge media Configuration Manager",
                                std::string("mediaforge media ") + std::string(40, 'L')}) {
    for (const auto& d : dates) {
      auto shape = SelfSignedCertificateShape(d[0], d[1], cn);
      ASSERT_TRUE(shape.ok()) << shape.status();
      for (int i = 0; i < 4; ++i) {
        auto c = MakeSelfSignedCertificate(d[0], d[1], cn);
        ASSERT_TRUE(c.ok()) << c.status();
        EXPECT_EQ(c->certificate_pem.size(), shape->certificate_pem_size) << cn;
        EXPECT_EQ(c->subject, shape->subject);
        EXPECT_LE(c->private_key_pem.size(), shape->private_key_pem_bound.size());
        EXPECT_LE(std::count(c->private_key_pem.begin(), c->private_key_pem.end(), '\n'),
                  std::count(shape->private_key_pem_bound.begin(),
                             shape->private_key_pem_bound.end(), '\n'));
      }
    }
  }
  EXPECT_FALSE(SelfSignedCertificateShape(10, 10, "x").ok());
}

TEST(CertificateTest, SelfSignedDatesAndEku) {
  if (!testing::HaveTool("openssl")) GTEST_SKIP() << "no openssl CLI";
  auto from = ParseUtcDate("2026-11-21"), to = ParseUtcDate("2027-11-21");
  auto c = MakeSelfSignedCertificate(*from, *to, "mediaforge media test");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->thumbprint.size(), 40u);
  TempDir dir;
  WriteWholeFile(dir / "c.pem", c->certificate_pem);
  auto r = RunShell("openssl x509 -in " + (dir / "c.pem").string() +
                    " -noout -dates -ext extendedKeyUsage -fingerprint -sha1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("notBefore=Nov 21 00:00:00 2026 GMT"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("notAfter=Nov 21 00:00:00 2027 GMT"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("TLS Web Client Authentication"), std::string::npos) << r.output;
  std::string fp;
  for (char ch : r.output.substr(r.output.find("Fingerprint=") + 12)) {
    if (ch == '\n') break;
    if (ch != ':') fp += ch;
  }
  EXPECT_EQ(fp, c->thumbprint);
  WriteWholeFile(dir / "k.pem", c->private_key_pem);
  auto k = RunShell("cd " + dir.path().string() +
                    " && test \"$(openssl x509 -in c.pem -noout -modulus)\" = "
                    "\"$(openssl rsa -in k.pem -noout -modulus)\"");
  EXPECT_EQ(k.exit_code, 0) << "the key does not belong to the certificate: " << k.output;
}

class Pkcs12Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveTool("openssl")) GTEST_SKIP() << "no openssl CLI";
  }
  // Makes NAME.pfx with the openssl CLI: a key, a certificate signed by itself through
  // `openssl ca -selfsign` (which takes explicit start and end dates) with extendedKeyUsage
  // `eku` (none when empty), exported with or without the key under password "pfxpass".
  std::string Make(const std::string& name, const std::string& eku, const std::string& start,
                   const std::string& end, bool with_key = true) {
    std::string d = (dir_.path() / name).string();
    std::filesystem::create_directories(d);
    WriteWholeFile(d + "/ext", eku.empty()
                                   ? "basicConstraints=CA:FALSE\n"
                                   : "basicConstraints=CA:FALSE\nextendedKeyUsage=" + eku + "\n");
    WriteWholeFile(d + "/ca.cnf",
                   "[ca]\ndefault_ca = d\n[d]\ndir = .\ndatabase = index.txt\n"
                   "new_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = p\n"
                   "unique_subject = no\n[p]\ncommonName = supplied\n");
    std::string script =
        "set -e; cd " + d + "; : > index.txt; echo 01 > serial; " +
        "openssl req -new -newkey rsa:2048 -nodes -keyout k.key -subj /CN=" + name +
        " -out k.csr 2>&1; openssl ca -batch -config ca.cnf -selfsign -keyfile k.key -in k.csr "
        "-out k.crt -notext -extfile ext -startdate " +
        start + " -enddate " + end + " 2>&1; " + "openssl pkcs12 -export -out c.pfx -in k.crt " +
        (with_key ? "-inkey k.key" : "-nokeys") + " -passout pass:pfxpass 2>&1";
    auto r = RunShell(script);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return d + "/c.pfx";
  }
  TempDir dir_;
};

std::string Message(const absl::StatusOr<MediaCertificate>& c) {
  return std::string(c.status().message());
}

TEST_F(Pkcs12Test, GoodAndRefused) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::string good = Make("good", "clientAuth", "20200101000000Z", "20991231000000Z");
  auto c = LoadPkcs12Certificate(good, "pfxpass", now);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->private_key_pem.empty());

  auto wrong = LoadPkcs12Certificate(good, "nope", now);
  EXPECT_TRUE(absl::IsFailedPrecondition(wrong.status()));
  EXPECT_NE(Message(wrong).find("wrong password"), std::string::npos) << Message(wrong);

  auto expired = LoadPkcs12Certificate(
      Make("expired", "clientAuth", "20200101000000Z", "20210101000000Z"), "pfxpass", now);
  EXPECT_NE(Message(expired).find("expired"), std::string::npos) << Message(expired);

  auto future = LoadPkcs12Certificate(
      Make("future", "clientAuth", "20980101000000Z", "20991231000000Z"), "pfxpass", now);
  EXPECT_NE(Message(future).find("not yet valid"), std::string::npos) << Message(future);

  auto server = LoadPkcs12Certificate(
      Make("server", "serverAuth", "20200101000000Z", "20991231000000Z"), "pfxpass", now);
  EXPECT_NE(Message(server).find("client authentication EKU"), std::string::npos)
      << Message(server);
  auto none = LoadPkcs12Certificate(Make("noeku", "", "20200101000000Z", "20991231000000Z"),
                                    "pfxpass", now);
  EXPECT_NE(Message(none).find("client authentication EKU"), std::string::npos) << Message(none);

  auto nokey = LoadPkcs12Certificate(
      Make("nokey", "clientAuth", "20200101000000Z", "20991231000000Z", false), "pfxpass", now);
  EXPECT_NE(Message(nokey).find("no private key"), std::string::npos) << Message(nokey);
}

}  // namespace
}  // namespace mediaforge::media
