// Checking the descriptor tag every UDF descriptor starts with (ECMA-167 3/7.2): identifier,
// checksum (3/7.2.3), recorded location (3/7.2.8) and the CRC of the body (3/7.2.6).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"

namespace mediaforge::udf {

// CRC-ITU-T (x^16 + x^12 + x^5 + 1, initial value 0, not reflected): ECMA-167 3/7.2.6.
uint16_t Crc16Itu(std::span<const std::byte> data);

// Checks the descriptor in `bytes` (its tag first): identifier `want_id`, checksum, location
// `want_location` (a sector for volume descriptors, a partition block for the others) and the
// CRC when its length lies inside `bytes`. `where` ("anchor volume descriptor pointer") and
// `offset` (its byte offset in the image) name it in the error.
absl::Status CheckDescriptorTag(std::span<const std::byte> bytes, uint16_t want_id,
                                uint32_t want_location, const std::string& where, uint64_t offset);

// The tag identifier of the descriptor in `bytes` (0 when shorter than a tag).
uint16_t TagIdentifierOf(std::span<const std::byte> bytes);

}  // namespace mediaforge::udf
