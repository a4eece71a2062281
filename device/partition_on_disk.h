// The on-disk partition tables, one packed struct per structure, named after the clause that
// defines it: the PC MBR (UEFI 2.x 5.2.1 "Legacy MBR") and the GPT (UEFI 2.x 5.3). Multi-byte
// fields carry their byte order in their type (device/byte_order.h). Writers (fs/iso9660's
// hybrid tables) and checkers (device/gpt_check.h) share these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "device/byte_order.h"

namespace mediaforge::device {

#pragma pack(push, 1)

// UEFI 2.x 5.2.1, Table "Legacy MBR Partition Record" (16 bytes at 446 + 16 * i).
struct MbrPartitionEntry {
  uint8_t status;  // BootIndicator: 0x80 active
  uint8_t chs_first[3];
  uint8_t type;  // OSType: 0xEE protective, 0xEF EFI System
  uint8_t chs_last[3];
  Le32 first_lba;     // StartingLBA
  Le32 sector_count;  // SizeInLBA
};
static_assert(sizeof(MbrPartitionEntry) == 16);

// UEFI 2.x 5.2.1 "Legacy MBR" (sector 0): boot code 0-439 (the isohybrid templates and GRUB's
// boot_hybrid keep a 64-bit boot-image LBA at 432), disk signature at 440, table at 446,
// 0x55 0xAA at 510.
struct MasterBootRecord {
  uint8_t boot_code[432];
  Le64 boot_image_lba512;  // isohybrid (isohdpfx) / GRUB boot_hybrid patch field
  Le32 disk_signature;     // UniqueMBRDiskSignature
  Le16 reserved;
  MbrPartitionEntry partitions[4];
  uint8_t signature[2];  // 0x55 0xAA
};
static_assert(sizeof(MasterBootRecord) == 512);
inline constexpr uint64_t kMbrPartitionTableOffset = 446;
inline constexpr uint64_t kMbrSignatureOffset = 510;

// 0x55 0xAA at byte 510 of a sector: an MBR or a boot sector (UEFI 2.x 5.2.1; fatgen103).
inline bool HasBootSignature(std::span<const std::byte> sector) {
  return sector.size() >= 512 && sector[kMbrSignatureOffset] == std::byte{0x55} &&
         sector[kMbrSignatureOffset + 1] == std::byte{0xAA};
}

// UEFI 2.x 5.3.2 "GPT Header" (92 bytes; the rest of its sector is zero).
struct GptHeader {
  char signature[8];  // "EFI PART"
  Le32 revision;      // 0x00010000
  Le32 header_size;   // 92
  Le32 header_crc32;  // over header_size bytes with this field zero
  Le32 reserved;
  Le64 my_lba;
  Le64 alternate_lba;
  Le64 first_usable_lba;
  Le64 last_usable_lba;
  uint8_t disk_guid[16];
  Le64 partition_entry_lba;
  Le32 number_of_partition_entries;
  Le32 size_of_partition_entry;  // 128 x 2^n
  Le32 partition_entry_array_crc32;
};
static_assert(sizeof(GptHeader) == 92);
inline constexpr char kGptSignature[8] = {'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T'};

// UEFI 2.x 5.3.3 "GPT Partition Entry".
struct GptPartitionEntry {
  uint8_t partition_type_guid[16];  // all zero: unused entry
  uint8_t unique_partition_guid[16];
  Le64 starting_lba;
  Le64 ending_lba;  // inclusive
  Le64 attributes;
  uint16_t partition_name[36];  // UTF-16LE
};
static_assert(sizeof(GptPartitionEntry) == 128);

#pragma pack(pop)

inline constexpr uint8_t kEfiSystemPartitionTypeGuid[16] = {
    0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
    0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B};  // C12A7328-F81F-11D2-BA4B-00A0C93EC93B

}  // namespace mediaforge::device
