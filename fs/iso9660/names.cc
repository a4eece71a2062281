#include "fs/iso9660/names.h"

#include <algorithm>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "fs/common/utf.h"

namespace mediaforge::iso9660 {
namespace {

bool IsDCharacter(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

char ToDCharacter(char c) {
  if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
  return IsDCharacter(c) ? c : '_';
}

std::string MapDCharacters(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out.push_back(ToDCharacter(c));
  return out;
}

// Splits at the last dot (a leading dot does not start an extension).
void SplitExtension(const std::string& name, std::string* stem, std::string* extension) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) {
    *stem = name;
    extension->clear();
    return;
  }
  *stem = name.substr(0, dot);
  *extension = name.substr(dot + 1);
}

// Replaces the tail of `stem` by the decimal `counter` so that the result fits `max_stem`.
std::string WithCounter(const std::string& stem, size_t max_stem, uint64_t counter) {
  std::string digits = absl::StrCat(counter);
  size_t keep = max_stem > digits.size() ? max_stem - digits.size() : 0;
  return stem.substr(0, std::min(stem.size(), keep)) + digits;
}

std::string IsoIdentifierFor(const NameRequest& request) {
  if (request.is_directory) {
    std::string id = MapDCharacters(*request.posix_name);
    if (id.size() > kMaxIsoDirectoryChars) id.resize(kMaxIsoDirectoryChars);
    return id.empty() ? "_" : id;
  }
  std::string stem, extension;
  SplitExtension(*request.posix_name, &stem, &extension);
  stem = MapDCharacters(stem);
  extension = MapDCharacters(extension);
  if (extension.size() > 8 && stem.size() + extension.size() > kMaxIsoFileNameChars) {
    extension.resize(8);
  }
  if (stem.size() + extension.size() > kMaxIsoFileNameChars) {
    stem.resize(kMaxIsoFileNameChars - extension.size());
  }
  // push_back, not `stem = "_"`: GCC 12 warns (-Wrestrict, a false positive) on the assignment.
  if (stem.empty() && extension.empty()) stem.push_back('_');
  return stem + "." + extension;
}

void AppendUtf16Be(std::u16string_view units, std::string* out) {
  for (char16_t u : units) {
    out->push_back(static_cast<char>(u >> 8));
    out->push_back(static_cast<char>(u & 0xFF));
  }
}

bool IsJolietForbidden(char16_t u) {
  return u < 0x20 || u == '*' || u == '/' || u == ':' || u == ';' || u == '?' || u == '\\';
}

// Cuts `units` to at most `max` code units without splitting a surrogate pair.
void TruncateUnits(std::u16string* units, size_t max) {
  if (units->size() <= max) return;
  units->resize(max);
  if (!units->empty() && units->back() >= 0xD800 && units->back() <= 0xDBFF) units->pop_back();
}

std::u16string JolietUnitsFor(const std::string& posix_name, bool is_directory) {
  std::u16string units = Utf8ToUtf16(posix_name);
  for (char16_t& u : units) {
    if (IsJolietForbidden(u)) u = u'_';
  }
  if (units.size() <= kMaxJolietUnits) return units;
  size_t dot = is_directory ? std::u16string::npos : units.rfind(u'.');
  if (dot == std::u16string::npos || dot == 0 || units.size() - dot > 16) {
    TruncateUnits(&units, kMaxJolietUnits);
    return units;
  }
  std::u16string extension = units.substr(dot);
  std::u16string stem = units.substr(0, dot);
  TruncateUnits(&stem, kMaxJolietUnits - extension.size());
  return stem + extension;
}

// Compares two ISO identifier parts padded with spaces (ECMA-119 9.3 b/c).
int ComparePadded(std::string_view a, std::string_view b) {
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char ca = i < a.size() ? a[i] : ' ';
    unsigned char cb = i < b.size() ? b[i] : ' ';
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

void SplitIdentifier(std::string_view id, std::string_view* name, std::string_view* extension,
                     std::string_view* version) {
  size_t semicolon = id.find(';');
  *version = semicolon == std::string_view::npos ? std::string_view() : id.substr(semicolon + 1);
  std::string_view base = id.substr(0, semicolon);
  size_t dot = base.find('.');
  *name = base.substr(0, dot);
  *extension = dot == std::string_view::npos ? std::string_view() : base.substr(dot + 1);
}

}  // namespace

std::vector<std::string> MakeIsoIdentifiers(const std::vector<NameRequest>& children) {
  std::vector<std::string> out(children.size());
  std::unordered_set<std::string> used;
  used.reserve(children.size() * 2);
  for (size_t i = 0; i < children.size(); ++i) {
    std::string id = IsoIdentifierFor(children[i]);
    if (!used.insert(id).second) {
      std::string stem = id, extension;
      bool is_file = !children[i].is_directory;
      if (is_file) SplitExtension(id, &stem, &extension);
      size_t max_stem = is_file ? kMaxIsoFileNameChars - extension.size() : kMaxIsoDirectoryChars;
      for (uint64_t counter = 1;; ++counter) {
        std::string candidate = WithCounter(stem, max_stem, counter);
        if (is_file) candidate += "." + extension;
        if (used.insert(candidate).second) {
          id = candidate;
          break;
        }
      }
    }
    out[i] = children[i].is_directory ? id : id + ";1";
  }
  return out;
}

std::vector<std::string> MakeJolietIdentifiers(const std::vector<NameRequest>& children) {
  std::vector<std::string> out(children.size());
  std::unordered_set<std::u16string> used;
  used.reserve(children.size() * 2);
  for (size_t i = 0; i < children.size(); ++i) {
    std::u16string units = JolietUnitsFor(*children[i].posix_name, children[i].is_directory);
    if (units.empty()) units.push_back(u'_');  // not `= u"_"`: GCC 12's -Wrestrict
    if (!used.insert(units).second) {
      size_t dot = children[i].is_directory ? std::u16string::npos : units.rfind(u'.');
      if (dot == 0) dot = std::u16string::npos;
      std::u16string extension = dot == std::u16string::npos ? u"" : units.substr(dot);
      std::u16string stem = units.substr(0, dot);
      for (uint64_t counter = 1;; ++counter) {
        std::string digits = absl::StrCat("~", counter);
        std::u16string tail(digits.begin(), digits.end());
        std::u16string candidate = stem;
        TruncateUnits(&candidate, kMaxJolietUnits - extension.size() - tail.size());
        candidate += tail + extension;
        if (used.insert(candidate).second) {
          units = candidate;
          break;
        }
      }
    }
    AppendUtf16Be(units, &out[i]);
  }
  return out;
}

std::u16string Utf8ToUtf16(const std::string& utf8) {
  return common::Utf8ToUtf16Substituting(utf8, u'_').units;
}

std::string Utf16BeToUtf8(const std::string& be_bytes) {
  std::u16string units(be_bytes.size() / 2, u'\0');
  for (size_t k = 0; k < units.size(); ++k) {
    units[k] = static_cast<char16_t>((static_cast<unsigned char>(be_bytes[2 * k]) << 8) |
                                     static_cast<unsigned char>(be_bytes[2 * k + 1]));
  }
  return common::Utf16ToUtf8(units);
}

bool IsoIdentifierLess(const std::string& a, const std::string& b) {
  std::string_view name_a, ext_a, ver_a, name_b, ext_b, ver_b;
  SplitIdentifier(a, &name_a, &ext_a, &ver_a);
  SplitIdentifier(b, &name_b, &ext_b, &ver_b);
  if (int c = ComparePadded(name_a, name_b); c != 0) return c < 0;
  if (int c = ComparePadded(ext_a, ext_b); c != 0) return c < 0;
  return ComparePadded(ver_a, ver_b) > 0;  // higher versions first
}

bool JolietIdentifierLess(const std::string& a, const std::string& b) { return a < b; }

std::string ToDCharacters(const std::string& text, size_t max_length) {
  return MapDCharacters(text.substr(0, std::min(text.size(), max_length)));
}

}  // namespace mediaforge::iso9660
