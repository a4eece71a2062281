// Short (8.3) names: the basis name of fatgen103 "Basis-Name Generation Algorithm", whether a
// long name is exactly a short name (perhaps with the lower-case bits of DIR_NTRes), numeric
// tails (~1 .. ~4) and, when a directory holds many similar names, a hashed form (AB12F3~1).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "absl/strings/string_view.h"

namespace mediaforge::fat32 {

using ShortName = std::array<char, 11>;  // DIR_Name: 8 + 3, space padded, upper case

struct ShortNameInfo {
  ShortName basis{};
  // The long name is exactly this short name (no long-name entries needed) once the
  // lower-case bits below are applied.
  bool exact = false;
  uint8_t case_bits = 0;  // DirEntry::kLowerBase / kLowerExt
};

// True for characters a short name may hold (A-Z, 0-9 and $%'-_@~`!(){}^#&; no space).
bool IsShortNameChar(char c);

// Looks at one UTF-8 name (already checked by LongNameProblem).
ShortNameInfo AnalyzeName(absl::string_view utf8_name);

// "README  TXT" -> "README.TXT"; with case bits applied when given.
std::string ShortNameToString(const ShortName& name, uint8_t case_bits = 0);

// Hands out unique short names within one directory. Exact names should be reserved first so
// generated names never take them.
class ShortNameTable {
 public:
  // Reserves an exact name; false when it is already taken (two names equal ignoring case).
  bool Reserve(const ShortName& name);
  // A free name derived from `basis` with a numeric tail; `long_name_utf16` feeds the hash of
  // the hashed form. Always succeeds for directories within FAT's 65536-entry limit.
  ShortName Generate(const ShortName& basis, const std::u16string& long_name_utf16);

 private:
  struct Hash {
    size_t operator()(const ShortName& n) const;
  };
  std::unordered_set<ShortName, Hash> taken_;
};

}  // namespace mediaforge::fat32
