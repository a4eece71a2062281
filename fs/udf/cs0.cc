#include "fs/udf/cs0.h"

#include "absl/strings/str_cat.h"
#include "fs/common/utf.h"

namespace mediaforge::udf {

absl::StatusOr<std::string> DecodeCs0(std::span<const uint8_t> chars) {
  if (chars.empty()) return std::string();
  const uint8_t compression_id = chars[0];
  const auto text = chars.subspan(1);
  std::u16string units;
  if (compression_id == 8 || compression_id == 254) {
    units.reserve(text.size());
    for (uint8_t c : text) units.push_back(static_cast<char16_t>(c));
  } else if (compression_id == 16 || compression_id == 255) {
    if (text.size() % 2 != 0) {
      return absl::DataLossError(
          absl::StrCat("16-bit OSTA CS0 text of ", text.size(), " bytes (odd)"));
    }
    units.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
      units.push_back(static_cast<char16_t>((text[i] << 8) | text[i + 1]));
    }
  } else {
    return absl::DataLossError(
        absl::StrCat("OSTA CS0 compression ID ", compression_id, " (known: 8, 16, 254, 255)"));
  }
  return common::Utf16ToUtf8(units);
}

absl::StatusOr<std::string> DecodeDstring(std::span<const uint8_t> field) {
  if (field.empty()) return std::string();
  const size_t used = field.back();
  if (used == 0) return std::string();
  if (used > field.size() - 1) {
    return absl::DataLossError(
        absl::StrCat("dstring says ", used, " bytes are used of a ", field.size(), "-byte field"));
  }
  return DecodeCs0(field.first(used));
}

}  // namespace mediaforge::udf
