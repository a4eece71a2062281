#include "fs/media/seal.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace mediaforge::media {
namespace {

constexpr char kFormat[] = "mediaforge-sealed-1";
constexpr size_t kKeyBytes = 32, kSaltBytes = 16, kNonceBytes = 12, kTagBytes = 16;
// Refuse envelopes asking for absurd work (a hostile medium must not make us allocate GiBs).
constexpr uint64_t kMaxScryptMemory = 1ull << 30;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

absl::StatusOr<std::string> DeriveKey(absl::string_view password, const std::string& salt,
                                      const KdfCost& cost) {
  uint64_t memory = 128ull * cost.n * cost.r * cost.p;
  if (cost.n < 2 || (cost.n & (cost.n - 1)) != 0 || cost.r == 0 || cost.p == 0 ||
      memory > kMaxScryptMemory) {
    return absl::InvalidArgumentError(
        absl::StrCat("scrypt cost N=", cost.n, " r=", cost.r, " p=", cost.p, " is not usable"));
  }
  std::string key(kKeyBytes, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), cost.n,
                     cost.r, cost.p, memory + (1 << 20),
                     reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1) {
    return absl::InternalError("scrypt key derivation failed (OpenSSL)");
  }
  return key;
}

std::string Header(const KdfCost& cost, const std::string& salt_b64) {
  return absl::StrCat(kFormat, ";scrypt;", cost.n, ";", cost.r, ";", cost.p, ";", salt_b64);
}

}  // namespace

std::string Base64Encode(absl::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

absl::StatusOr<std::string> Base64Decode(absl::string_view text) {
  if (text.size() % 4 != 0)
    return absl::InvalidArgumentError("base64 length is not a multiple of 4");
  std::string out(3 * text.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return absl::InvalidArgumentError("not valid base64");
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

absl::StatusOr<SealingKey> DeriveSealingKey(absl::string_view password, const KdfCost& cost) {
  if (password.empty()) return absl::InvalidArgumentError("the sealing password is empty");
  SealingKey out;
  out.cost = cost;
  out.salt.assign(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.salt.data()), out.salt.size()) != 1) {
    return absl::InternalError("no random bytes from OpenSSL");
  }
  auto key = DeriveKey(password, out.salt, cost);
  if (!key.ok()) return key.status();
  out.key.emplace(std::move(*key));  // wipes the string it was taken from
  return out;
}

namespace {

// The sealed file (the fields Unseal reads); base64 fields only, so its size follows from theirs.
std::string Envelope(const KdfCost& cost, const std::string& salt_b64, const std::string& nonce_b64,
                     const std::string& tag_b64, const std::string& ciphertext_b64) {
  nlohmann::ordered_json j = {{"format", kFormat},
                              {"kdf", "scrypt"},
                              {"n", cost.n},
                              {"r", cost.r},
                              {"p", cost.p},
                              {"salt", salt_b64},
                              {"cipher", "aes-256-gcm"},
                              {"nonce", nonce_b64},
                              {"tag", tag_b64},
                              {"ciphertext", ciphertext_b64}};
  return j.dump(2) + "\n";
}

}  // namespace

absl::StatusOr<std::string> Seal(absl::string_view plaintext, absl::string_view password,
                                 const KdfCost& cost) {
  auto key = DeriveSealingKey(password, cost);
  if (!key.ok()) return key.status();
  return Seal(plaintext, *key);
}

absl::StatusOr<std::string> Seal(absl::string_view plaintext, const SealingKey& sealing) {
  if (!sealing.key || sealing.key->size() != kKeyBytes || sealing.salt.size() != kSaltBytes) {
    return absl::InvalidArgumentError("sealing key not derived");
  }
  const KdfCost& cost = sealing.cost;
  const std::string& salt = sealing.salt;
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), nonce.size()) != 1) {
    return absl::InternalError("no random bytes from OpenSSL");
  }
  std::string salt_b64 = Base64Encode(salt);
  std::string aad = Header(cost, salt_b64);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string cipher(plaintext.size(), '\0');
  std::string tag(kTagBytes, '\0');
  int len = 0, final_len = 0;
  auto* k = reinterpret_cast<const unsigned char*>(sealing.key->view().data());
  auto* iv = reinterpret_cast<const unsigned char*>(nonce.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, k, iv) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(cipher.data()), &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(cipher.data()) + len,
                          &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag.data()) != 1) {
    return absl::InternalError("AES-256-GCM sealing failed (OpenSSL)");
  }
  return Envelope(cost, salt_b64, Base64Encode(nonce), Base64Encode(tag), Base64Encode(cipher));
}

size_t SealedSize(size_t plaintext_size, const KdfCost& cost) {
  return Envelope(cost, Base64Encode(std::string(kSaltBytes, '\0')),
                  Base64Encode(std::string(kNonceBytes, '\0')),
                  Base64Encode(std::string(kTagBytes, '\0')),
                  Base64Encode(std::string(plaintext_size, '\0')))
      .size();
}

absl::StatusOr<std::string> Unseal(absl::string_view envelope, absl::string_view password) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(envelope.begin(), envelope.end());
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("sealed part: not JSON: ", e.what()));
  }
  auto field = [&](const char* name) -> absl::StatusOr<std::string> {
    if (!j.is_object() || !j.contains(name) || !j[name].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("sealed part: field '", name, "' missing"));
    }
    return j[name].get<std::string>();
  };
  auto format = field("format");
  if (!format.ok()) return format.status();
  if (*format != kFormat || field("kdf").value_or("") != "scrypt" ||
      field("cipher").value_or("") != "aes-256-gcm") {
    return absl::InvalidArgumentError(absl::StrCat("sealed part: unknown format '", *format,
                                                   "' (this version reads ", kFormat,
                                                   " with scrypt and aes-256-gcm)"));
  }
  KdfCost cost;
  for (auto [name, dest] : {std::pair<const char*, uint64_t*>{"n", &cost.n}}) {
    if (!j.contains(name) || !j[name].is_number_unsigned()) {
      return absl::InvalidArgumentError(absl::StrCat("sealed part: field '", name, "' missing"));
    }
    *dest = j[name].get<uint64_t>();
  }
  for (auto [name, dest] : {std::pair<const char*, uint32_t*>{"r", &cost.r},
                            std::pair<const char*, uint32_t*>{"p", &cost.p}}) {
    if (!j.contains(name) || !j[name].is_number_unsigned() || j[name].get<uint64_t>() > 1024) {
      return absl::InvalidArgumentError(absl::StrCat("sealed part: field '", name, "' missing"));
    }
    *dest = j[name].get<uint32_t>();
  }
  auto salt_b64 = field("salt");
  if (!salt_b64.ok()) return salt_b64.status();
  std::string decoded[3];
  const char* names[3] = {"nonce", "tag", "ciphertext"};
  for (int i = 0; i < 3; ++i) {
    auto text = field(names[i]);
    if (!text.ok()) return text.status();
    auto bytes = Base64Decode(*text);
    if (!bytes.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sealed part: field '", names[i], "': ", bytes.status().message()));
    }
    decoded[i] = std::move(*bytes);
  }
  auto salt = Base64Decode(*salt_b64);
  if (!salt.ok()) return absl::InvalidArgumentError("sealed part: field 'salt' is not base64");
  if (decoded[0].size() != kNonceBytes || decoded[1].size() != kTagBytes) {
    return absl::InvalidArgumentError("sealed part: nonce or tag has the wrong length");
  }
  auto key = DeriveKey(password, *salt, cost);
  if (!key.ok()) return key.status();
  std::string aad = Header(cost, *salt_b64);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string plain(decoded[2].size(), '\0');
  int len = 0, final_len = 0;
  bool ok = ctx &&
            EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr,
                               reinterpret_cast<const unsigned char*>(key->data()),
                               reinterpret_cast<const unsigned char*>(decoded[0].data())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                              reinterpret_cast<const unsigned char*>(decoded[2].data()),
                              static_cast<int>(decoded[2].size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, decoded[1].data()) == 1;
  OPENSSL_cleanse(key->data(), key->size());
  if (!ok) return absl::InternalError("AES-256-GCM opening failed (OpenSSL)");
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                          &final_len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return absl::PermissionDeniedError(
        "wrong password: the sealed part does not open with it (authentication tag mismatch)");
  }
  return plain;
}

}  // namespace mediaforge::media
