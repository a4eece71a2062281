// CRC-32 (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320), the checksum of the GPT
// header and partition entry array (UEFI 2.x, 5.3.2). The one CRC32 of mediaforge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace mediaforge::device {

uint32_t Crc32(std::span<const std::byte> data);

}  // namespace mediaforge::device
