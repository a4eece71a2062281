// Fixed-width integer fields as stored on media (MBR, GPT, ISO9660, El Torito). Each is a byte
// array, so packed structs stay alignment-free and the byte order is part of the type:
//   Le16/Le32/Le64 - little-endian (MBR, GPT, ECMA-119 7.2.1 / 7.3.1, El Torito);
//   Be16/Be32      - big-endian (ECMA-119 7.2.2 / 7.3.2).
#pragma once

#include <cstdint>

namespace mediaforge::device {

template <int kBytes>
struct LittleEndian {
  uint8_t bytes[kBytes];
  void Set(uint64_t value) {
    for (int i = 0; i < kBytes; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
  }
  uint64_t Get() const {
    uint64_t v = 0;
    for (int i = kBytes - 1; i >= 0; --i) v = (v << 8) | bytes[i];
    return v;
  }
};

template <int kBytes>
struct BigEndian {
  uint8_t bytes[kBytes];
  void Set(uint64_t value) {
    for (int i = 0; i < kBytes; ++i) {
      bytes[kBytes - 1 - i] = static_cast<uint8_t>(value >> (8 * i));
    }
  }
  uint64_t Get() const {
    uint64_t v = 0;
    for (int i = 0; i < kBytes; ++i) v = (v << 8) | bytes[i];
    return v;
  }
};

using Le16 = LittleEndian<2>;
using Le32 = LittleEndian<4>;
using Le64 = LittleEndian<8>;
using Be16 = BigEndian<2>;
using Be32 = BigEndian<4>;

static_assert(sizeof(Le16) == 2 && sizeof(Le32) == 4 && sizeof(Le64) == 8);
static_assert(sizeof(Be16) == 2 && sizeof(Be32) == 4);

}  // namespace mediaforge::device
