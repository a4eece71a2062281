// On-disk structures, one packed struct per structure, named after the clause that defines it:
// ECMA-119 (ISO9660), El Torito 1.0, SUSP 1.12 / RRIP 1.12 (Rock Ridge); the PC MBR and GPT
// come from device/partition_on_disk.h. All multi-byte fields carry their byte order in their type
// (byte_order.h).
#pragma once

#include <cstdint>

#include "device/partition_on_disk.h"
#include "fs/iso9660/byte_order.h"

namespace mediaforge::iso9660 {

inline constexpr uint32_t kBlockSize = 2048;       // ECMA-119 6.1.2 logical block (we use 2048)
inline constexpr uint32_t kSystemAreaBlocks = 16;  // ECMA-119 6.2.1: blocks 0-15
inline constexpr uint32_t kFirstDescriptorBlock = 16;
inline constexpr char kStandardIdentifier[] = "CD001";  // ECMA-119 8.1.2

// ECMA-119 8.1: volume descriptor types.
enum VolumeDescriptorType : uint8_t {
  kBootRecordType = 0,
  kPrimaryType = 1,
  kSupplementaryType = 2,
  kTerminatorType = 255,
};

// ECMA-119 9.1.7 file flags.
enum FileFlags : uint8_t {
  kFlagHidden = 0x01,
  kFlagDirectory = 0x02,
  kFlagMultiExtent = 0x80,  // 9.1.6: this is not the final record of the file
};

#pragma pack(push, 1)

// ECMA-119 9.1.5: recording date and time (7 bytes).
struct RecordingDateTime {
  uint8_t years_since_1900;
  uint8_t month;
  uint8_t day;
  uint8_t hour;
  uint8_t minute;
  uint8_t second;
  int8_t gmt_offset_quarter_hours;
};
static_assert(sizeof(RecordingDateTime) == 7);

// ECMA-119 8.4.26.1: volume descriptor date and time (17 bytes, digits + GMT offset).
struct VolumeDateTime {
  char digits[16];  // YYYYMMDDHHMMSScc
  int8_t gmt_offset_quarter_hours;
};
static_assert(sizeof(VolumeDateTime) == 17);

// ECMA-119 9.1: fixed part of a directory record; the file identifier (name_length bytes), a pad
// byte when name_length is even, then the System Use area follow.
struct DirectoryRecord {
  uint8_t length;
  uint8_t extended_attribute_length;
  Both32 extent_lba;
  Both32 data_length;
  RecordingDateTime recorded;
  uint8_t flags;
  uint8_t file_unit_size;
  uint8_t interleave_gap;
  Both16 volume_sequence_number;
  uint8_t name_length;
};
static_assert(sizeof(DirectoryRecord) == 33);

// ECMA-119 8.4: Primary Volume Descriptor. ECMA-119 8.5 (Supplementary Volume Descriptor, used
// for Joliet) has the same layout with volume_flags at 7 and escape_sequences at 88.
struct PrimaryVolumeDescriptor {
  uint8_t type;
  char standard_identifier[5];
  uint8_t version;
  uint8_t volume_flags;
  char system_identifier[32];
  char volume_identifier[32];
  uint8_t unused_72[8];
  Both32 volume_space_size;
  uint8_t escape_sequences[32];
  Both16 volume_set_size;
  Both16 volume_sequence_number;
  Both16 logical_block_size;
  Both32 path_table_size;
  Le32 l_path_table_lba;
  Le32 optional_l_path_table_lba;
  Be32 m_path_table_lba;
  Be32 optional_m_path_table_lba;
  uint8_t root_directory_record[34];
  char volume_set_identifier[128];
  char publisher_identifier[128];
  char data_preparer_identifier[128];
  char application_identifier[128];
  char copyright_file_identifier[37];
  char abstract_file_identifier[37];
  char bibliographic_file_identifier[37];
  VolumeDateTime creation;
  VolumeDateTime modification;
  VolumeDateTime expiration;
  VolumeDateTime effective;
  uint8_t file_structure_version;
  uint8_t unused_882;
  uint8_t application_use[512];
  uint8_t reserved_1395[653];
};
static_assert(sizeof(PrimaryVolumeDescriptor) == 2048);
using SupplementaryVolumeDescriptor = PrimaryVolumeDescriptor;

// ECMA-119 8.2 with El Torito 1.0 section 2.0: the Boot Record Volume Descriptor.
struct BootRecordVolumeDescriptor {
  uint8_t type;
  char standard_identifier[5];
  uint8_t version;
  char boot_system_identifier[32];  // "EL TORITO SPECIFICATION", zero padded
  char boot_identifier[32];
  Le32 boot_catalog_lba;
  uint8_t unused[1973];
};
static_assert(sizeof(BootRecordVolumeDescriptor) == 2048);

// ECMA-119 8.3: Volume Descriptor Set Terminator.
struct VolumeDescriptorSetTerminator {
  uint8_t type;
  char standard_identifier[5];
  uint8_t version;
  uint8_t reserved[2041];
};
static_assert(sizeof(VolumeDescriptorSetTerminator) == 2048);

// ECMA-119 9.4: fixed part of a path table record; directory identifier and a pad byte (when
// its length is odd) follow. The L table stores numbers little-endian, the M table big-endian;
// the raw byte arrays are filled by the path table writer accordingly.
struct PathTableRecord {
  uint8_t name_length;
  uint8_t extended_attribute_length;
  uint8_t extent_lba[4];
  uint8_t parent_number[2];
};
static_assert(sizeof(PathTableRecord) == 8);

// El Torito 1.0 2.1: Validation Entry, first entry of the boot catalog.
struct ValidationEntry {
  uint8_t header_id;  // 1
  uint8_t platform_id;
  Le16 reserved;
  char id_string[24];
  Le16 checksum;  // the 16 LE words of the entry sum to 0
  uint8_t key_55;
  uint8_t key_aa;
};
static_assert(sizeof(ValidationEntry) == 32);

// El Torito 1.0 2.2 (Initial/Default Entry) and 2.4 (Section Entry): same layout.
struct SectionEntry {
  uint8_t boot_indicator;  // 0x88 bootable, 0x00 not
  uint8_t media_type;      // 0 = no emulation
  Le16 load_segment;       // 0 = 0x7C0
  uint8_t system_type;
  uint8_t unused_5;
  Le16 sector_count;  // 512-byte virtual sectors
  Le32 load_rba;      // 2048-byte block of the image
  uint8_t selection_criteria_type;
  uint8_t selection_criteria[19];
};
static_assert(sizeof(SectionEntry) == 32);

// El Torito 1.0 2.3: Section Header Entry.
struct SectionHeaderEntry {
  uint8_t header_indicator;  // 0x90 more headers follow, 0x91 final header
  uint8_t platform_id;       // 0 x86, 0xEF EFI
  Le16 entry_count;
  char id_string[28];
};
static_assert(sizeof(SectionHeaderEntry) == 32);

inline constexpr uint8_t kPlatformX86 = 0x00;
inline constexpr uint8_t kPlatformEfi = 0xEF;
inline constexpr uint8_t kBootable = 0x88;
inline constexpr uint8_t kLastSectionHeader = 0x91;
inline constexpr uint8_t kMoreSectionHeaders = 0x90;

// El Torito 1.0 / isolinux: the Boot Information Table patched into a no-emulation image at
// byte 8 (bytes 8-63).
struct BootInfoTable {
  Le32 pvd_lba;
  Le32 boot_file_lba;
  Le32 boot_file_length;
  Le32 checksum;  // 32-bit sum of the LE words of the file from byte 64 on
  uint8_t reserved[40];
};
static_assert(sizeof(BootInfoTable) == 56);
inline constexpr uint32_t kBootInfoTableOffset = 8;

// SUSP 1.12 5.1: CE, Continuation Area entry.
struct SuspContinuationEntry {
  char signature[2];  // "CE"
  uint8_t length;     // 28
  uint8_t version;    // 1
  Both32 block;
  Both32 offset;
  Both32 area_length;
};
static_assert(sizeof(SuspContinuationEntry) == 28);

// SUSP 1.12 5.3: SP, SUSP indicator (first entry of the root's "." record).
struct SuspIndicatorEntry {
  char signature[2];  // "SP"
  uint8_t length;     // 7
  uint8_t version;    // 1
  uint8_t check[2];   // 0xBE 0xEF
  uint8_t bytes_skipped;
};
static_assert(sizeof(SuspIndicatorEntry) == 7);

// RRIP 1.12 4.1.1: PX, POSIX file attributes (RRIP_1991A form without the serial number).
struct RripPosixAttributesEntry {
  char signature[2];  // "PX"
  uint8_t length;     // 36
  uint8_t version;    // 1
  Both32 mode;
  Both32 links;
  Both32 uid;
  Both32 gid;
};
static_assert(sizeof(RripPosixAttributesEntry) == 36);

#pragma pack(pop)

// The PC MBR and GPT structures (UEFI 2.x 5.2.1, 5.3) of the hybrid system area.
using device::GptHeader;
using device::GptPartitionEntry;
using device::kEfiSystemPartitionTypeGuid;
using device::MasterBootRecord;
using device::MbrPartitionEntry;

}  // namespace mediaforge::iso9660
