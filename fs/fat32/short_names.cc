#include "fs/fat32/short_names.h"

#include <cstring>
#include <string_view>

#include "absl/strings/str_format.h"
#include "fs/fat32/long_names.h"
#include "fs/fat32/oem_codepage.h"
#include "fs/fat32/on_disk.h"

namespace mediaforge::fat32 {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
char Upper(char c) { return IsLower(c) ? static_cast<char>(c - 32) : c; }

// Case bits of a part of an exact name: 0 when all letters are upper case (or there are none),
// `bit` when all are lower case, -1 when mixed (then a long name is needed).
int PartCase(std::string_view part, uint8_t bit) {
  bool lower = false, upper = false;
  for (char c : part) {
    lower |= IsLower(c);
    upper |= IsUpper(c);
  }
  if (lower && upper) return -1;
  return lower ? bit : 0;
}

}  // namespace

// fatgen103; 0x80+ OEM characters are never produced: such names get a long name.
bool IsShortNameChar(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("$%'-_@~`!(){}^#&", c) != nullptr;
}

ShortNameInfo AnalyzeName(absl::string_view name) {
  ShortNameInfo info;
  info.basis.fill(' ');
  const std::string_view n(name.data(), name.size());
  // Exact: base of 1-8 and extension of 0-3 short-name characters, at most one period.
  const size_t dot = n.rfind('.');
  const std::string_view base = dot == std::string_view::npos ? n : n.substr(0, dot);
  const std::string_view ext = dot == std::string_view::npos ? "" : n.substr(dot + 1);
  bool exact = !base.empty() && base.size() <= 8 && ext.size() <= 3 &&
               base.find('.') == std::string_view::npos &&
               (dot == std::string_view::npos || !ext.empty());
  for (char c : n.substr(0, dot == std::string_view::npos ? n.size() : dot)) {
    exact = exact && IsShortNameChar(Upper(c));
  }
  for (char c : ext) exact = exact && IsShortNameChar(Upper(c));
  if (exact) {
    int b = PartCase(base, 0x08), e = PartCase(ext, 0x10);
    if (b >= 0 && e >= 0) {
      info.exact = true;
      info.case_bits = static_cast<uint8_t>(b | e);
    }
  }
  // Basis name: upper case, invalid characters become '_', spaces and leading periods dropped,
  // periods other than the last dropped; primary part up to 8, extension up to 3.
  std::string primary, extension;
  size_t start = n.find_first_not_of('.');
  if (start == std::string_view::npos) start = n.size();
  const size_t last_dot = n.rfind('.') != std::string_view::npos && n.rfind('.') >= start
                              ? n.rfind('.')
                              : std::string_view::npos;
  for (size_t i = start; i < n.size(); ++i) {
    const auto c = static_cast<unsigned char>(n[i]);
    if (c == ' ' || (c == '.' && i != last_dot)) continue;
    if (i == last_dot) continue;
    // Multi-byte UTF-8: one '_' per character (continuation bytes skipped).
    if ((c & 0xC0) == 0x80) continue;
    char out = IsShortNameChar(Upper(static_cast<char>(c))) ? Upper(static_cast<char>(c)) : '_';
    if (last_dot != std::string_view::npos && i > last_dot) {
      if (extension.size() < 3) extension.push_back(out);
    } else if (primary.size() < 8) {
      primary.push_back(out);
    }
  }
  if (primary.empty()) primary = "_";
  std::memcpy(info.basis.data(), primary.data(), primary.size());
  std::memcpy(info.basis.data() + 8, extension.data(), extension.size());
  return info;
}

std::string ShortNameToString(const ShortName& name, uint8_t case_bits) {
  // Lower-case bits apply to ASCII and Latin-1 letters; OEM bytes read as code page 437.
  auto lower = [](char16_t c) -> char16_t {
    if ((c >= u'A' && c <= u'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 0x20;
    return c;
  };
  auto part = [&](size_t from, size_t len, bool to_lower) {
    std::u16string out;
    for (size_t i = from; i < from + len; ++i) {
      auto byte = static_cast<uint8_t>(name[i]);
      if (i == 0 && byte == DirEntry::kE5Escape) byte = DirEntry::kFreeMarker;
      const char16_t c = Cp437ToUnicode(byte);
      out.push_back(to_lower ? lower(c) : c);
    }
    out.erase(out.find_last_not_of(u' ') == std::u16string::npos ? 0
                                                                 : out.find_last_not_of(u' ') + 1);
    return out;
  };
  const std::u16string base = part(0, 8, case_bits & DirEntry::kLowerBase);
  const std::u16string ext = part(8, 3, case_bits & DirEntry::kLowerExt);
  return Utf16ToUtf8(ext.empty() ? base : base + u"." + ext);
}

size_t ShortNameTable::Hash::operator()(const ShortName& n) const {
  return std::hash<std::string_view>()(std::string_view(n.data(), n.size()));
}

bool ShortNameTable::Reserve(const ShortName& name) { return taken_.insert(name).second; }

ShortName ShortNameTable::Generate(const ShortName& basis, const std::u16string& long_name) {
  size_t base_len = 8;
  while (base_len > 0 && basis[base_len - 1] == ' ') --base_len;
  auto with_tail = [&](const std::string& stem, uint32_t n) {
    ShortName out = basis;
    std::string tail = "~" + std::to_string(n);
    size_t keep = std::min(stem.size(), 8 - tail.size());
    std::memset(out.data(), ' ', 8);
    std::memcpy(out.data(), stem.data(), keep);
    std::memcpy(out.data() + keep, tail.data(), tail.size());
    return out;
  };
  const std::string stem(basis.data(), base_len);
  for (uint32_t n = 1; n <= 4; ++n) {
    ShortName candidate = with_tail(stem, n);
    if (taken_.insert(candidate).second) return candidate;
  }
  // Hashed form: two characters of the basis, four hex digits of a hash of the long name.
  uint32_t h = 2166136261u;
  for (char16_t c : long_name) h = (h ^ c) * 16777619u;
  for (uint32_t n = 0;; ++n) {
    const uint32_t variant = n / 9;  // new hash digits every 9 tails
    const uint32_t mixed = (h + variant) * 2654435761u;
    std::string hashed = stem.substr(0, 2) + absl::StrFormat("%04X", (mixed >> 16) & 0xFFFF);
    ShortName candidate = with_tail(hashed, n % 9 + 1);
    if (taken_.insert(candidate).second) return candidate;
  }
}

}  // namespace mediaforge::fat32
