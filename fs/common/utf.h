// The one UTF-8 <-> UTF-16 codec of the file system writers and readers (FAT long names,
// Joliet identifiers and volume fields, GPT-style UTF-16 text). UTF-8 is read strictly
// (RFC 3629 section 3: overlong forms, encoded surrogates U+D800-U+DFFF and values above
// U+10FFFF are invalid); characters above U+FFFF become surrogate pairs (RFC 2781 2.1).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace mediaforge::common {

// nullopt when `utf8` is not valid UTF-8.
std::optional<std::u16string> Utf8ToUtf16(absl::string_view utf8);

// For formats that must store some name even for invalid input (Joliet): every byte that does
// not start a valid UTF-8 sequence becomes `replacement`; `substituted` says how many did, so
// the caller can say so.
struct SubstitutedUtf16 {
  std::u16string units;
  size_t substituted = 0;
};
SubstitutedUtf16 Utf8ToUtf16Substituting(absl::string_view utf8, char16_t replacement);

// UTF-16 to UTF-8; an unpaired surrogate becomes U+FFFD.
std::string Utf16ToUtf8(const std::u16string& utf16);

}  // namespace mediaforge::common
