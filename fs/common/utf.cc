#include "fs/common/utf.h"

#include <cstdint>

namespace mediaforge::common {
namespace {

// Decodes the sequence at `s[i]`: the code point and its length in bytes, or nullopt when the
// bytes there are not a valid UTF-8 sequence (RFC 3629 section 4 syntax).
struct Decoded {
  uint32_t code_point;
  size_t length;
};
std::optional<Decoded> DecodeAt(absl::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  uint32_t cp;
  size_t len;
  if (b0 < 0x80) {
    return Decoded{b0, 1};
  } else if ((b0 & 0xE0) == 0xC0) {
    cp = b0 & 0x1F, len = 2;
  } else if ((b0 & 0xF0) == 0xE0) {
    cp = b0 & 0x0F, len = 3;
  } else if ((b0 & 0xF8) == 0xF0) {
    cp = b0 & 0x07, len = 4;
  } else {
    return std::nullopt;
  }
  if (i + len > s.size()) return std::nullopt;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr uint32_t kShortestFor[] = {0, 0, 0x80, 0x800, 0x10000};  // no overlong forms
  if (cp < kShortestFor[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return std::nullopt;
  }
  return Decoded{cp, len};
}

void AppendUtf16(uint32_t cp, std::u16string& out) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
    out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
  } else {
    out.push_back(static_cast<char16_t>(cp));
  }
}

}  // namespace

std::optional<std::u16string> Utf8ToUtf16(absl::string_view utf8) {
  std::u16string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    auto d = DecodeAt(utf8, i);
    if (!d) return std::nullopt;
    AppendUtf16(d->code_point, out);
    i += d->length;
  }
  return out;
}

SubstitutedUtf16 Utf8ToUtf16Substituting(absl::string_view utf8, char16_t replacement) {
  SubstitutedUtf16 r;
  r.units.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) {
    if (auto d = DecodeAt(utf8, i)) {
      AppendUtf16(d->code_point, r.units);
      i += d->length;
    } else {
      r.units.push_back(replacement);
      ++r.substituted;
      ++i;
    }
  }
  return r;
}

std::string Utf16ToUtf8(const std::u16string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    uint32_t cp = s[i];
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
        s[i + 1] <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      cp = 0xFFFD;
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

}  // namespace mediaforge::common
