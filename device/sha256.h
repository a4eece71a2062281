// SHA-256 through OpenSSL EVP (SHA-NI where the CPU has it).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace mediaforge::device {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::span<const std::byte> data);
  // Lowercase hex of the digest; the object is spent afterwards.
  std::string FinalHex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// One-shot helper.
std::string Sha256Hex(std::span<const std::byte> data);

}  // namespace mediaforge::device
