#include "device/digest.h"

#include <openssl/evp.h>

#include "absl/strings/str_cat.h"

namespace mediaforge::device {

struct Digest::Ctx {
  EVP_MD_CTX* md = nullptr;
  const EVP_MD* type = nullptr;
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Digest::Digest(std::unique_ptr<Ctx> ctx) : ctx_(std::move(ctx)) {}
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;
Digest::~Digest() = default;

absl::StatusOr<Digest> Digest::Create(absl::string_view name) {
  const EVP_MD* type = nullptr;
  if (name == "sha256") {
    type = EVP_sha256();
  } else if (name == "sha1") {
    type = EVP_sha1();
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("checksum type \"", name, "\" is not supported (sha1 and sha256 are)"));
  }
  auto ctx = std::make_unique<Ctx>();
  ctx->type = type;
  ctx->md = EVP_MD_CTX_new();
  if (ctx->md == nullptr || EVP_DigestInit_ex(ctx->md, type, nullptr) != 1) {
    return absl::InternalError(absl::StrCat("OpenSSL: ", name, " unavailable"));
  }
  return Digest(std::move(ctx));
}

void Digest::Update(std::span<const std::byte> data) {
  EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

void Digest::Update(absl::string_view text) {
  EVP_DigestUpdate(ctx_->md, text.data(), text.size());
}

size_t Digest::hex_length() const { return 2 * static_cast<size_t>(EVP_MD_size(ctx_->type)); }

std::string Digest::FinalHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

}  // namespace mediaforge::device
