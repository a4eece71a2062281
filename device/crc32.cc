#include "device/crc32.h"

#include <zlib.h>

#include <algorithm>

namespace mediaforge::device {

uint32_t Crc32(std::span<const std::byte> data) {
  // zlib's crc32 takes uInt lengths: feed large spans in pieces.
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(data.data());
  size_t left = data.size();
  while (left > 0) {
    auto n = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace mediaforge::device
