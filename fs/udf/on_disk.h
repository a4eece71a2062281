// On-disk structures of UDF (ECMA-167 3rd edition, as profiled by OSTA UDF 1.02-2.60), one
// packed struct per structure, named after its clause ("3/10.2" is part 3, clause 10.2). All
// numbers are little-endian (ECMA-167 1/7.1.3-7.1.5). Only what a read-only reader needs.
#pragma once

#include <cstdint>

#include "device/byte_order.h"

namespace mediaforge::udf {

using device::Le16;
using device::Le32;
using device::Le64;

// 2/9.1: a volume structure descriptor of the Volume Recognition Sequence ("BEA01", "NSR02",
// "NSR03", "TEA01", and ECMA-119's "CD001"), one per 2048 bytes from byte 32768.
struct VolumeStructureDescriptor {
  uint8_t structure_type;
  char standard_identifier[5];
  uint8_t structure_version;
  uint8_t structure_data[2041];
} __attribute__((packed));
static_assert(sizeof(VolumeStructureDescriptor) == 2048);

// 3/7.2: the tag in front of every descriptor. Checksum: bytes 0-3 and 5-15 summed mod 256
// (3/7.2.3); CRC: CRC-ITU-T over `descriptor_crc_length` bytes after the tag (3/7.2.6).
struct DescriptorTag {
  Le16 tag_identifier;
  Le16 descriptor_version;
  uint8_t tag_checksum;
  uint8_t reserved;
  Le16 tag_serial_number;
  Le16 descriptor_crc;
  Le16 descriptor_crc_length;
  Le32 tag_location;  // the sector (or partition block) the descriptor itself is in
} __attribute__((packed));
static_assert(sizeof(DescriptorTag) == 16);

// 3/7.2.1 and 4/7.2.1: tag identifiers.
enum TagId : uint16_t {
  kPrimaryVolumeDescriptor = 1,
  kAnchorVolumeDescriptorPointer = 2,
  kVolumeDescriptorPointer = 3,
  kImplementationUseVolumeDescriptor = 4,
  kPartitionDescriptor = 5,
  kLogicalVolumeDescriptor = 6,
  kUnallocatedSpaceDescriptor = 7,
  kTerminatingDescriptor = 8,
  kLogicalVolumeIntegrityDescriptor = 9,
  kFileSetDescriptor = 256,
  kFileIdentifierDescriptor = 257,
  kAllocationExtentDescriptor = 258,
  kFileEntry = 261,
  kExtendedFileEntry = 266,
};

// 3/7.1: extent_ad, a run of sectors.
struct ExtentAd {
  Le32 extent_length;  // bytes
  Le32 extent_location;
} __attribute__((packed));
static_assert(sizeof(ExtentAd) == 8);

// 1/7.2.1 charspec, 1/7.4 regid, 1/7.3 timestamp.
struct CharSpec {
  uint8_t character_set_type;
  uint8_t character_set_information[63];
} __attribute__((packed));
static_assert(sizeof(CharSpec) == 64);

struct EntityId {
  uint8_t flags;
  char identifier[23];
  uint8_t identifier_suffix[8];
} __attribute__((packed));
static_assert(sizeof(EntityId) == 32);

struct Timestamp {
  Le16 type_and_timezone;  // 1/7.3.1: type in bits 12-15, signed minutes from UTC in 0-11
  Le16 year;
  uint8_t month;
  uint8_t day;
  uint8_t hour;
  uint8_t minute;
  uint8_t second;
  uint8_t centiseconds;
  uint8_t hundreds_of_microseconds;
  uint8_t microseconds;
} __attribute__((packed));
static_assert(sizeof(Timestamp) == 12);

// 3/10.2: Anchor Volume Descriptor Pointer, at sector 256 (3/8.4.2.1; UDF 2.2.3).
struct AnchorVolumeDescriptorPointer {
  DescriptorTag tag;
  ExtentAd main_volume_descriptor_sequence;
  ExtentAd reserve_volume_descriptor_sequence;
  uint8_t reserved[480];
} __attribute__((packed));
static_assert(sizeof(AnchorVolumeDescriptorPointer) == 512);

// 3/10.3: Volume Descriptor Pointer (the sequence continues elsewhere).
struct VolumeDescriptorPointer {
  DescriptorTag tag;
  Le32 volume_descriptor_sequence_number;
  ExtentAd next_volume_descriptor_sequence;
  uint8_t reserved[484];
} __attribute__((packed));
static_assert(sizeof(VolumeDescriptorPointer) == 512);

// 3/10.1: Primary Volume Descriptor.
struct PrimaryVolumeDescriptor {
  DescriptorTag tag;
  Le32 volume_descriptor_sequence_number;
  Le32 primary_volume_descriptor_number;
  uint8_t volume_identifier[32];  // dstring
  Le16 volume_sequence_number;
  Le16 maximum_volume_sequence_number;
  Le16 interchange_level;
  Le16 maximum_interchange_level;
  Le32 character_set_list;
  Le32 maximum_character_set_list;
  uint8_t volume_set_identifier[128];  // dstring
  CharSpec descriptor_character_set;
  CharSpec explanatory_character_set;
  ExtentAd volume_abstract;
  ExtentAd volume_copyright_notice;
  EntityId application_identifier;
  Timestamp recording_date_and_time;
  EntityId implementation_identifier;
  uint8_t implementation_use[64];
  Le32 predecessor_volume_descriptor_sequence_location;
  Le16 flags;
  uint8_t reserved[22];
} __attribute__((packed));
static_assert(sizeof(PrimaryVolumeDescriptor) == 512);

// 3/10.5: Partition Descriptor.
struct PartitionDescriptor {
  DescriptorTag tag;
  Le32 volume_descriptor_sequence_number;
  Le16 partition_flags;
  Le16 partition_number;
  EntityId partition_contents;  // "+NSR02" / "+NSR03"
  uint8_t partition_contents_use[128];
  Le32 access_type;
  Le32 partition_starting_location;  // sector
  Le32 partition_length;             // sectors
  EntityId implementation_identifier;
  uint8_t implementation_use[128];
  uint8_t reserved[156];
} __attribute__((packed));
static_assert(sizeof(PartitionDescriptor) == 512);

// 4/7.1: lb_addr, a block inside a partition; 4/14.14.2: long_ad.
struct LbAddr {
  Le32 logical_block_number;
  Le16 partition_reference_number;  // index into the logical volume's partition maps
} __attribute__((packed));
static_assert(sizeof(LbAddr) == 6);

struct LongAd {
  Le32 extent_length;  // 4/14.14.1.1: type in bits 30-31, bytes in 0-29
  LbAddr extent_location;
  uint8_t implementation_use[6];
} __attribute__((packed));
static_assert(sizeof(LongAd) == 16);

// 4/14.14.1: short_ad (block relative to the ICB's own partition).
struct ShortAd {
  Le32 extent_length;
  Le32 extent_position;
} __attribute__((packed));
static_assert(sizeof(ShortAd) == 8);

// 4/14.14.1.1: the extent type in the top two bits of every extent length.
enum ExtentType : uint32_t {
  kRecordedAndAllocated = 0,
  kAllocatedNotRecorded = 1,
  kNotAllocated = 2,
  kNextExtentOfDescriptors = 3,
};

// 3/10.6: Logical Volume Descriptor; its partition maps (3/10.7) follow.
struct LogicalVolumeDescriptor {
  DescriptorTag tag;
  Le32 volume_descriptor_sequence_number;
  CharSpec descriptor_character_set;
  uint8_t logical_volume_identifier[128];  // dstring
  Le32 logical_block_size;
  EntityId domain_identifier;           // "*OSTA UDF Compliant"
  LongAd file_set_descriptor_location;  // logical volume contents use (UDF 2.2.4.4)
  Le32 map_table_length;
  Le32 number_of_partition_maps;
  EntityId implementation_identifier;
  uint8_t implementation_use[128];
  ExtentAd integrity_sequence_extent;
} __attribute__((packed));
static_assert(sizeof(LogicalVolumeDescriptor) == 440);

// 3/10.7.2: Type 1 Partition Map (a physical partition, by number).
struct Type1PartitionMap {
  uint8_t partition_map_type;    // 1
  uint8_t partition_map_length;  // 6
  Le16 volume_sequence_number;
  Le16 partition_number;
} __attribute__((packed));
static_assert(sizeof(Type1PartitionMap) == 6);

// 4/14.1: File Set Descriptor.
struct FileSetDescriptor {
  DescriptorTag tag;
  Timestamp recording_date_and_time;
  Le16 interchange_level;
  Le16 maximum_interchange_level;
  Le32 character_set_list;
  Le32 maximum_character_set_list;
  Le32 file_set_number;
  Le32 file_set_descriptor_number;
  CharSpec logical_volume_identifier_character_set;
  uint8_t logical_volume_identifier[128];
  CharSpec file_set_character_set;
  uint8_t file_set_identifier[32];
  uint8_t copyright_file_identifier[32];
  uint8_t abstract_file_identifier[32];
  LongAd root_directory_icb;
  EntityId domain_identifier;
  LongAd next_extent;
  LongAd system_stream_directory_icb;
  uint8_t reserved[32];
} __attribute__((packed));
static_assert(sizeof(FileSetDescriptor) == 512);

// 4/14.6: ICB tag, inside every File Entry.
struct IcbTag {
  Le32 prior_recorded_number_of_direct_entries;
  Le16 strategy_type;
  uint8_t strategy_parameter[2];
  Le16 maximum_number_of_entries;
  uint8_t reserved;
  uint8_t file_type;  // 4/14.6.6
  LbAddr parent_icb_location;
  Le16 flags;  // bits 0-2: allocation descriptor form (4/14.6.8)
} __attribute__((packed));
static_assert(sizeof(IcbTag) == 20);

// 4/14.6.6 file types we tell apart; 4/14.6.8 allocation descriptor forms.
enum FileType : uint8_t { kFileTypeDirectory = 4, kFileTypeBytes = 5, kFileTypeSymlink = 12 };
enum AllocationForm : uint16_t { kShortAds = 0, kLongAds = 1, kExtendedAds = 2, kInIcb = 3 };

// 4/14.9: File Entry; extended attributes and then allocation descriptors follow.
struct FileEntry {
  DescriptorTag tag;
  IcbTag icb_tag;
  Le32 uid;
  Le32 gid;
  Le32 permissions;
  Le16 file_link_count;
  uint8_t record_format;
  uint8_t record_display_attributes;
  Le32 record_length;
  Le64 information_length;
  Le64 logical_blocks_recorded;
  Timestamp access_time;
  Timestamp modification_time;
  Timestamp attribute_time;
  Le32 checkpoint;
  LongAd extended_attribute_icb;
  EntityId implementation_identifier;
  Le64 unique_id;
  Le32 length_of_extended_attributes;
  Le32 length_of_allocation_descriptors;
} __attribute__((packed));
static_assert(sizeof(FileEntry) == 176);

// 4/14.17: Extended File Entry (UDF 2.00+); same role, a few more fields.
struct ExtendedFileEntry {
  DescriptorTag tag;
  IcbTag icb_tag;
  Le32 uid;
  Le32 gid;
  Le32 permissions;
  Le16 file_link_count;
  uint8_t record_format;
  uint8_t record_display_attributes;
  Le32 record_length;
  Le64 information_length;
  Le64 object_size;
  Le64 logical_blocks_recorded;
  Timestamp access_time;
  Timestamp modification_time;
  Timestamp creation_time;
  Timestamp attribute_time;
  Le32 checkpoint;
  Le32 reserved;
  LongAd extended_attribute_icb;
  LongAd stream_directory_icb;
  EntityId implementation_identifier;
  Le64 unique_id;
  Le32 length_of_extended_attributes;
  Le32 length_of_allocation_descriptors;
} __attribute__((packed));
static_assert(sizeof(ExtendedFileEntry) == 216);

// 4/14.5: Allocation Extent Descriptor (where a file's descriptors continue).
struct AllocationExtentDescriptor {
  DescriptorTag tag;
  Le32 previous_allocation_extent_location;
  Le32 length_of_allocation_descriptors;
} __attribute__((packed));
static_assert(sizeof(AllocationExtentDescriptor) == 24);

// 4/14.4: File Identifier Descriptor (a directory entry); implementation use, the identifier
// and padding to a multiple of 4 bytes follow.
struct FileIdentifierDescriptor {
  DescriptorTag tag;
  Le16 file_version_number;
  uint8_t file_characteristics;  // 4/14.4.3
  uint8_t length_of_file_identifier;
  LongAd icb;
  Le16 length_of_implementation_use;
} __attribute__((packed));
static_assert(sizeof(FileIdentifierDescriptor) == 38);

// 4/14.4.3 file characteristics bits.
enum FileCharacteristics : uint8_t {
  kHidden = 1 << 0,
  kDirectory = 1 << 1,
  kDeleted = 1 << 2,
  kParent = 1 << 3,
};

}  // namespace mediaforge::udf
