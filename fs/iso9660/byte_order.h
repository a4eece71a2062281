// Fixed-width integer fields as stored on ISO9660 / El Torito media: Le16/Le32/Le64 and
// Be16/Be32 are device/byte_order.h's (ECMA-119 7.2.1-7.3.2); ISO9660 adds
//   Both16/Both32  - "both-byte orders": the little-endian copy then the big-endian copy
//                    (ECMA-119 7.2.3 / 7.3.3).
#pragma once

#include <cstdint>
#include <cstring>

#include "device/byte_order.h"

namespace mediaforge::iso9660 {

using device::Be16;
using device::Be32;
using device::BigEndian;
using device::Le16;
using device::Le32;
using device::Le64;
using device::LittleEndian;

template <int kBytes>
struct BothEndian {
  LittleEndian<kBytes> le;
  BigEndian<kBytes> be;
  void Set(uint64_t value) {
    le.Set(value);
    be.Set(value);
  }
  // Readers take the little-endian half; Consistent() tells whether the halves agree.
  uint64_t Get() const { return le.Get(); }
  bool Consistent() const { return le.Get() == be.Get(); }
};

using Both16 = BothEndian<2>;
using Both32 = BothEndian<4>;

static_assert(sizeof(Both16) == 4 && sizeof(Both32) == 8);

// Copies `text` into a fixed field, padding with `pad` (ECMA-119 a-/d-characters pad with 0x20).
template <size_t kN>
void SetPaddedText(char (&field)[kN], const char* text, size_t length, char pad = ' ') {
  size_t n = length < kN ? length : kN;
  std::memcpy(field, text, n);
  std::memset(field + n, pad, kN - n);
}

}  // namespace mediaforge::iso9660
