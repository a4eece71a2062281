#include "fs/fat32/long_names.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace mediaforge::fat32 {

std::optional<std::string> LongNameProblem(absl::string_view name) {
  if (name.empty()) return "empty name";
  auto u = Utf8ToUtf16(name);
  if (!u) return "name is not valid UTF-8";
  for (char16_t c : *u) {
    if (c < 0x20)
      return absl::StrCat("name holds control character 0x", absl::Hex(c, absl::kZeroPad2),
                          ", which FAT cannot store");
    if (c < 0x80 && std::strchr("\"*/:<>?\\|", static_cast<char>(c)) != nullptr) {
      return absl::StrCat("name holds '", std::string(1, static_cast<char>(c)),
                          "', which FAT cannot store");
    }
  }
  if (name.back() == '.' || name.back() == ' ') {
    return "name ends with a period or space, which FAT drops";
  }
  if (u->size() > kMaxLongNameUnits) {
    return absl::StrCat("name is ", u->size(), " UTF-16 units long; FAT allows ",
                        kMaxLongNameUnits);
  }
  return std::nullopt;
}

char16_t UpcaseUnit(char16_t c) {
  if (c >= u'a' && c <= u'z') return c - 0x20;
  if (c < 0xE0) return c;
  if (c <= 0xFE) return c == 0xF7 ? c : c - 0x20;  // Latin-1 (except the division sign)
  if (c == 0xFF) return 0x178;
  if (c >= 0x100 && c <= 0x17F) {
    // Latin Extended-A: pairs upper/lower, even/odd, shifted by one in 0x139-0x148, 0x179-0x17E.
    bool shifted = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
    if (shifted) return (c % 2 == 0) ? c - 1 : c;
    return (c % 2 == 1) ? c - 1 : c;
  }
  if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 0x20;  // Greek
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;                // Cyrillic
  if (c >= 0x450 && c <= 0x45F) return c - 0x50;
  return c;
}

std::u16string Upcase(const std::u16string& s) {
  std::u16string out(s);
  for (auto& c : out) c = UpcaseUnit(c);
  return out;
}

uint8_t ShortNameChecksum(const std::array<char, 11>& name) {
  uint8_t sum = 0;
  for (char ch : name) {
    sum = static_cast<uint8_t>(((sum & 1) << 7) + (sum >> 1) + static_cast<uint8_t>(ch));
  }
  return sum;
}

namespace {

// Byte offset of unit k (0-12) inside an LFN entry (LDIR_Name1 @1, Name2 @14, Name3 @28).
size_t UnitOffset(int k) {
  return k < 5 ? 1 + 2 * k : (k < 11 ? 14 + 2 * (k - 5) : 28 + 2 * (k - 11));
}

uint16_t UnitAt(const LfnEntry& e, int k) {
  uint16_t v;
  std::memcpy(&v, reinterpret_cast<const char*>(&e) + UnitOffset(k), 2);
  return v;
}

}  // namespace

std::vector<LfnEntry> MakeLfnEntries(const std::u16string& name, uint8_t checksum) {
  const size_t count = LfnEntryCount(name);
  std::vector<LfnEntry> out(count);
  for (size_t i = 0; i < count; ++i) {
    LfnEntry& e = out[count - 1 - i];  // ordinal i+1 is stored last-but-i
    std::memset(&e, 0, sizeof e);
    e.ordinal = static_cast<uint8_t>(i + 1) | (i + 1 == count ? LfnEntry::kLastOrdinal : 0);
    e.attributes = DirEntry::kLongName;
    e.checksum = checksum;
    for (int k = 0; k < LfnEntry::kUnitsPerEntry; ++k) {
      size_t pos = i * LfnEntry::kUnitsPerEntry + k;
      uint16_t v = pos < name.size() ? name[pos] : (pos == name.size() ? 0x0000 : 0xFFFF);
      std::memcpy(reinterpret_cast<char*>(&e) + UnitOffset(k), &v, 2);
    }
  }
  return out;
}

void LfnAssembler::Reset() {
  units_.clear();
  total_ = expected_ = 0;
  checksum_ = 0;
}

std::optional<std::string> LfnAssembler::Add(const LfnEntry& e) {
  const int ord = e.ordinal & 0x3F;
  std::optional<std::string> problem;
  if (e.ordinal & LfnEntry::kLastOrdinal) {
    if (pending()) problem = "long-name entries interrupted by a new long name";
    Reset();
    if (ord == 0 || ord > 20) {
      return absl::StrCat("long-name entry with bad ordinal ", ord);
    }
    total_ = ord;
    expected_ = ord;
    checksum_ = e.checksum;
    units_.assign(static_cast<size_t>(ord) * LfnEntry::kUnitsPerEntry, u'\0');
  } else if (!pending()) {
    return absl::StrCat("long-name entry with ordinal ", ord, " without its first (0x40) entry");
  }
  if (ord != expected_ || e.checksum != checksum_) {
    std::string what = ord != expected_ ? absl::StrCat("long-name ordinal ", ord, " where ",
                                                       expected_, " was expected")
                                        : "long-name entries with differing checksums";
    Reset();
    return what;
  }
  for (int k = 0; k < LfnEntry::kUnitsPerEntry; ++k) {
    units_[static_cast<size_t>(ord - 1) * LfnEntry::kUnitsPerEntry + k] =
        static_cast<char16_t>(UnitAt(e, k));
  }
  --expected_;
  return problem;
}

std::optional<std::u16string> LfnAssembler::Take(const std::array<char, 11>& short_name,
                                                 std::string* problem) {
  if (!pending()) return std::nullopt;
  std::optional<std::u16string> out;
  if (expected_ != 0) {
    *problem = absl::StrCat("long name incomplete: ordinal ", expected_, " missing");
  } else if (checksum_ != ShortNameChecksum(short_name)) {
    *problem = absl::StrCat("long-name checksum 0x", absl::Hex(checksum_, absl::kZeroPad2),
                            " does not match the short name (0x",
                            absl::Hex(ShortNameChecksum(short_name), absl::kZeroPad2), ")");
  } else {
    size_t end = units_.find(u'\0');
    out = units_.substr(0, end);
  }
  Reset();
  return out;
}

}  // namespace mediaforge::fat32
