// OSTA CS0 text as UDF stores names (OSTA UDF 2.60 2.1.1, 2.1.3): a compression ID byte, 8
// (one byte per character, U+0000-U+00FF) or 16 (big-endian UTF-16 units), then the
// characters. UDF 2.50+ also writes 254 and 255, read as 8 and 16. A dstring (ECMA-167
// 1/7.2.12) is a fixed field whose last byte holds how many of its bytes are used.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace mediaforge::udf {

// d-characters of a known length (a File Identifier) as UTF-8. An unknown compression ID or an
// odd number of 16-bit bytes is an error; an unpaired surrogate becomes U+FFFD.
absl::StatusOr<std::string> DecodeCs0(std::span<const uint8_t> chars);

// A dstring field as UTF-8 ("" when its used length is 0).
absl::StatusOr<std::string> DecodeDstring(std::span<const uint8_t> field);

}  // namespace mediaforge::udf
