// Fixed-width integer fields as stored on ISO9660 / El Torito / MBR / GPT media. Each is a byte
// array (so packed structs stay alignment-free) with explicit byte order:
//   Le16/Le32/Le64 - little-endian (ECMA-119 7.2.1 / 7.3.1, El Torito, MBR, GPT);
//   Be16/Be32      - big-endian (ECMA-119 7.2.2 / 7.3.2, the M path table);
//   Both16/Both32  - "both-byte orders": the little-endian copy then the big-endian copy
//                    (ECMA-119 7.2.3 / 7.3.3).
#pragma once

#include <cstdint>
#include <cstring>

namespace mediaforge::iso9660 {

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

static_assert(sizeof(Le16) == 2 && sizeof(Le32) == 4 && sizeof(Le64) == 8);
static_assert(sizeof(Both16) == 4 && sizeof(Both32) == 8);

// Copies `text` into a fixed field, padding with `pad` (ECMA-119 a-/d-characters pad with 0x20).
template <size_t kN>
void SetPaddedText(char (&field)[kN], const char* text, size_t length, char pad = ' ') {
  size_t n = length < kN ? length : kN;
  std::memcpy(field, text, n);
  std::memset(field + n, pad, kN - n);
}

}  // namespace mediaforge::iso9660
