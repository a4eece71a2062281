// File identifiers of the three name spaces: ISO9660 (ECMA-119 7.5/7.6, d-characters, levels 2/3
// lengths), Joliet (UCS-2 big-endian, 64 characters) and the sort order of directory records
// (ECMA-119 9.3). Rock Ridge keeps the POSIX names untouched (rock_ridge.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mediaforge::iso9660 {

struct NameRequest {
  const std::string* posix_name;
  bool is_directory;
};

// ECMA-119 7.5.1/7.6.1 with the level 2/3 limits: file identifiers "NAME.EXT;1" with
// NAME + EXT <= 30 d-characters (A-Z 0-9 _), directory identifiers <= 31 d-characters.
// Identifiers are unique within the returned list (colliding names get a numeric tail).
inline constexpr size_t kMaxIsoFileNameChars = 30;
inline constexpr size_t kMaxIsoDirectoryChars = 31;
std::vector<std::string> MakeIsoIdentifiers(const std::vector<NameRequest>& children);

// Joliet (Microsoft, 1995): identifiers in UCS-2 big-endian (UTF-16 surrogate pairs for
// characters beyond the BMP), at most 64 code units, without * / : ; ? \ and control
// characters, unique within the list. Returned as the raw big-endian bytes.
inline constexpr size_t kMaxJolietUnits = 64;
std::vector<std::string> MakeJolietIdentifiers(const std::vector<NameRequest>& children);

// UTF-8 (possibly invalid) to UTF-16 code units; invalid bytes become '_' (fs/common/utf.h;
// PlanIso notes each name that needs it).
std::u16string Utf8ToUtf16(const std::string& utf8);
// UTF-16 big-endian bytes back to UTF-8 (unpaired surrogates become U+FFFD).
std::string Utf16BeToUtf8(const std::string& be_bytes);

// ECMA-119 9.3: order of directory records. ISO identifiers compare name part then extension,
// each padded with spaces, then version (descending); Joliet identifiers compare code units.
bool IsoIdentifierLess(const std::string& a, const std::string& b);
bool JolietIdentifierLess(const std::string& a, const std::string& b);

// ECMA-119 7.4.1 d-characters, for the volume identifier: upper-cased, others become '_'.
std::string ToDCharacters(const std::string& text, size_t max_length);

}  // namespace mediaforge::iso9660
