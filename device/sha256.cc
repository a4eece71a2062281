#include "device/sha256.h"

#include <stdexcept>

#include "device/digest.h"

namespace mediaforge::device {

// One digest model (device/digest.h); this is its SHA-256 form, which cannot fail to exist.
struct Sha256::Ctx {
  Digest digest;
};

Sha256::Sha256() {
  auto d = Digest::Create("sha256");
  if (!d.ok()) throw std::runtime_error(std::string(d.status().message()));
  ctx_ = std::make_unique<Ctx>(Ctx{std::move(*d)});
}

Sha256::~Sha256() = default;

void Sha256::Update(std::span<const std::byte> data) { ctx_->digest.Update(data); }

std::string Sha256::FinalHex() { return ctx_->digest.FinalHex(); }

std::string Sha256Hex(std::span<const std::byte> data) {
  Sha256 h;
  h.Update(data);
  return h.FinalHex();
}

}  // namespace mediaforge::device
