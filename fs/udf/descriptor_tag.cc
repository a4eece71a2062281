#include "fs/udf/descriptor_tag.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "fs/udf/on_disk.h"

namespace mediaforge::udf {

uint16_t Crc16Itu(std::span<const std::byte> data) {
  uint16_t crc = 0;
  for (std::byte b : data) {
    crc ^= static_cast<uint16_t>(static_cast<uint8_t>(b) << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

uint16_t TagIdentifierOf(std::span<const std::byte> bytes) {
  if (bytes.size() < sizeof(DescriptorTag)) return 0;
  DescriptorTag tag;
  std::memcpy(&tag, bytes.data(), sizeof(tag));
  return static_cast<uint16_t>(tag.tag_identifier.Get());
}

absl::Status CheckDescriptorTag(std::span<const std::byte> bytes, uint16_t want_id,
                                uint32_t want_location, const std::string& where, uint64_t offset) {
  const auto fail = [&](const std::string& why) {
    return absl::DataLossError(absl::StrCat("UDF ", where, " at byte ", offset, ": ", why));
  };
  if (bytes.size() < sizeof(DescriptorTag)) return fail("shorter than a descriptor tag");
  DescriptorTag tag;
  std::memcpy(&tag, bytes.data(), sizeof(tag));
  // 3/7.2.3: the checksum is the sum of bytes 0-3 and 5-15 of the tag, modulo 256.
  uint8_t sum = 0;
  for (size_t i = 0; i < sizeof(tag); ++i) {
    if (i != 4) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(bytes[i]));
  }
  if (sum != tag.tag_checksum) {
    return fail(absl::StrCat("tag checksum is ", tag.tag_checksum, ", the bytes sum to ", sum,
                             " (not a descriptor, or damaged)"));
  }
  if (tag.tag_identifier.Get() != want_id) {
    return fail(
        absl::StrCat("tag identifier is ", tag.tag_identifier.Get(), ", expected ", want_id));
  }
  if (tag.tag_location.Get() != want_location) {
    return fail(absl::StrCat("tag says it is at block ", tag.tag_location.Get(),
                             ", but it was read from block ", want_location));
  }
  const uint64_t crc_length = tag.descriptor_crc_length.Get();
  if (crc_length > bytes.size() - sizeof(tag)) {
    return fail(absl::StrCat("CRC length ", crc_length, " reaches past the descriptor (",
                             bytes.size() - sizeof(tag), " bytes after the tag)"));
  }
  const uint16_t crc = Crc16Itu(bytes.subspan(sizeof(tag), crc_length));
  if (crc != tag.descriptor_crc.Get()) {
    return fail(absl::StrCat("descriptor CRC is ", tag.descriptor_crc.Get(), ", computed ", crc,
                             " over ", crc_length, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::udf
