// A message digest chosen by name, through OpenSSL EVP: the one digest model (bmap files name
// theirs, "sha1" or "sha256"; device/sha256.h is its SHA-256 form).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mediaforge::device {

class Digest {
 public:
  // "sha1" and "sha256" (what bmap files and the media manifest use).
  static absl::StatusOr<Digest> Create(absl::string_view name);
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  ~Digest();

  void Update(std::span<const std::byte> data);
  void Update(absl::string_view text);
  // Lowercase hex of the digest; the object is spent afterwards.
  std::string FinalHex();
  // Length of the hex digest (40 for sha1, 64 for sha256).
  size_t hex_length() const;

 private:
  struct Ctx;
  explicit Digest(std::unique_ptr<Ctx> ctx);
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace mediaforge::device
