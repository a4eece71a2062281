// Sealing: AES-256-GCM under a scrypt key; wrong passwords and tampering are detected.
#include "fs/media/seal.h"

#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace mediaforge::media {
namespace {

TEST(SealTest, RoundTripAndNoPlaintext) {
  const std::string secret = "DomainJoinPassword=Sup3rS3cret!";
  auto env = Seal(secret, "correct horse");
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->find("Sup3rS3cret"), std::string::npos);
  auto j = nlohmann::json::parse(*env);
  EXPECT_EQ(j["kdf"], "scrypt");
  EXPECT_EQ(j["n"], 32768);
  EXPECT_EQ(j["cipher"], "aes-256-gcm");
  auto plain = Unseal(*env, "correct horse");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(*plain, secret);
}

TEST(SealTest, SaltAndNonceDifferEachTime) {
  auto a = Seal("x", "pw"), b = Seal("x", "pw");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(nlohmann::json::parse(*a)["salt"], nlohmann::json::parse(*b)["salt"]);
}

// `create` derives the key ahead (beside the certificate's key generation) and seals with it:
// the envelope opens with the password alone, and each seal gets its own nonce.
TEST(SealTest, KeyDerivedAheadSealsWhatThePasswordOpens) {
  auto key = DeriveSealingKey("correct horse");
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_TRUE(key->key.has_value());
  auto a = Seal("first", *key), b = Seal("second", *key);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(nlohmann::json::parse(*a)["salt"], nlohmann::json::parse(*b)["salt"]);
  EXPECT_NE(nlohmann::json::parse(*a)["nonce"], nlohmann::json::parse(*b)["nonce"]);
  EXPECT_EQ(Unseal(*a, "correct horse").value_or(""), "first");
  EXPECT_EQ(Unseal(*b, "correct horse").value_or(""), "second");
  EXPECT_TRUE(absl::IsInvalidArgument(DeriveSealingKey("").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Seal("x", SealingKey{}).status()));
}

TEST(SealTest, WrongPasswordIsPermissionDenied) {
  auto env = Seal("x", "right");
  ASSERT_TRUE(env.ok());
  auto plain = Unseal(*env, "wrong");
  EXPECT_TRUE(absl::IsPermissionDenied(plain.status())) << plain.status();
}

TEST(SealTest, TamperingIsDetected) {
  auto env = Seal("some variables", "pw");
  ASSERT_TRUE(env.ok());
  auto j = nlohmann::json::parse(*env);
  // Lowering the cost in the header changes the key: detected as a mismatch, not accepted.
  j["n"] = 16384;
  EXPECT_FALSE(Unseal(j.dump(), "pw").ok());
  j = nlohmann::json::parse(*env);
  std::string c = j["ciphertext"];
  c[0] = c[0] == 'A' ? 'B' : 'A';
  j["ciphertext"] = c;
  EXPECT_FALSE(Unseal(j.dump(), "pw").ok());
  j = nlohmann::json::parse(*env);
  j["n"] = uint64_t{1} << 40;  // absurd memory: refused, not attempted
  EXPECT_TRUE(absl::IsInvalidArgument(Unseal(j.dump(), "pw").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Unseal("not json", "pw").status()));
}

TEST(SealTest, Base64) {
  for (std::string s : {"", "a", "ab", "abc", "abcd"}) {
    auto d = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, s);
  }
}

}  // namespace
}  // namespace mediaforge::media
