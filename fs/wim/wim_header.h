// The fixed header at the start of every WIM file ([MS-WIM] 2.2 "WIM_HEADER_V1"), read
// without libwim so that a WIM stored inside an ISO can be judged (solid or not, split or not)
// straight from the ISO's extents, before anything is copied.
#pragma once

#include <cstdint>
#include <cstring>

namespace mediaforge::wim {

// [MS-WIM] 2.2.1 RESHDR_DISK_SHORT: 7-byte size with 1 flag byte, offset, original size.
struct [[gnu::packed]] ResourceHeaderDisk {
  uint8_t size_and_flags[8];
  uint64_t offset;
  uint64_t original_size;
};
static_assert(sizeof(ResourceHeaderDisk) == 24);

// [MS-WIM] 2.2 WIM_HEADER_V1 (little-endian on disk; this build targets x86-64/arm64 LE).
struct [[gnu::packed]] WimHeaderV1 {
  char image_tag[8];     // "MSWIM\0\0\0"
  uint32_t header_size;  // 208
  uint32_t version;      // 0x10D00; 0xE00 for WIMs holding solid resources (wimlib, ESD)
  uint32_t flags;        // FLAG_HEADER_*
  uint32_t chunk_size;
  uint8_t guid[16];
  uint16_t part_number;
  uint16_t total_parts;
  uint32_t image_count;
  ResourceHeaderDisk offset_table;
  ResourceHeaderDisk xml_data;
  ResourceHeaderDisk boot_metadata;
  uint32_t boot_index;
  ResourceHeaderDisk integrity;
  uint8_t unused[60];
};
static_assert(sizeof(WimHeaderV1) == 208);

inline constexpr uint32_t kWimVersionDefault = 0x10D00;
inline constexpr uint32_t kWimVersionSolid = 0xE00;
inline constexpr uint32_t kFlagHeaderCompressXpress = 0x00020000;
inline constexpr uint32_t kFlagHeaderCompressLzx = 0x00040000;
inline constexpr uint32_t kFlagHeaderCompressLzms = 0x00080000;

inline bool HasWimMagic(const WimHeaderV1& h) {
  return std::memcmp(h.image_tag, "MSWIM\0\0\0", 8) == 0;
}

}  // namespace mediaforge::wim
