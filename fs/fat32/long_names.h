// Long file names (fatgen103 "FAT Long Directory Entries"): UTF-8 <-> UTF-16 with surrogate
// pairs, the checksum of the short name, building the LFN entries that precede a short entry and
// reassembling them when reading, with their ordinals and checksums checked.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "fs/common/utf.h"
#include "fs/fat32/on_disk.h"

namespace mediaforge::fat32 {

inline constexpr size_t kMaxLongNameUnits = 255;

// Long names are UTF-16 on disk: the codec is fs/common/utf.h's (strict UTF-8).
using common::Utf16ToUtf8;
using common::Utf8ToUtf16;

// Why `name` (UTF-8, one path component) cannot be a FAT long name, or nullopt when it can:
// control characters, " * / : < > ? \ |, a trailing period or space (FAT drops them), more than
// 255 UTF-16 units, invalid UTF-8.
std::optional<std::string> LongNameProblem(absl::string_view name);

// Simple upper-casing used for the case-insensitive comparison of names (ASCII, Latin-1,
// Latin Extended-A, Greek and Cyrillic; other characters compare as they are).
char16_t UpcaseUnit(char16_t c);
std::u16string Upcase(const std::u16string& s);

// fatgen103 ChkSum() of the 11 bytes of a short name.
uint8_t ShortNameChecksum(const std::array<char, 11>& short_name);

// The LFN entries for `name` in on-disk order (highest ordinal, flagged 0x40, first).
std::vector<LfnEntry> MakeLfnEntries(const std::u16string& name, uint8_t checksum);
// How many LFN entries `name` takes.
inline size_t LfnEntryCount(const std::u16string& name) {
  return (name.size() + LfnEntry::kUnitsPerEntry - 1) / LfnEntry::kUnitsPerEntry;
}

// Collects LFN entries while a directory is read; Take() hands out the long name when the
// entries form a complete, consistent set for the short entry that follows.
class LfnAssembler {
 public:
  // Feeds one LFN entry; returns a problem text when it breaks the sequence (the set so far is
  // dropped).
  std::optional<std::string> Add(const LfnEntry& entry);
  // Called at the short entry: returns the long name, or nullopt (and a problem in `problem`
  // when entries were pending but did not match: wrong checksum, missing ordinals).
  std::optional<std::u16string> Take(const std::array<char, 11>& short_name, std::string* problem);
  bool pending() const { return expected_ != 0 || total_ != 0; }
  void Reset();

 private:
  std::u16string units_;  // 13 units per ordinal, indexed by ordinal - 1
  int total_ = 0;         // ordinals in the set (from the 0x40 entry)
  int expected_ = 0;      // next ordinal expected
  uint8_t checksum_ = 0;
};

}  // namespace mediaforge::fat32
