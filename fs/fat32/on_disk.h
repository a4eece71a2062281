// On-disk structures of a FAT12/16/32 volume, one packed struct per structure named after its
// clause in Microsoft's "FAT: General Overview of On-Disk Format" (fatgen103). All fields are
// little-endian; mediaforge only builds for little-endian hosts (checked below).
#pragma once

#include <bit>
#include <cstdint>

namespace mediaforge::fat32 {

static_assert(std::endian::native == std::endian::little,
              "the FAT structures are read and written as little-endian memory images");

#pragma pack(push, 1)  // the packing style of every on-disk struct (as device/, iso9660/)

// fatgen103 "Boot Sector and BPB Structure": the fields common to every FAT type (offsets 0-35).
struct BiosParameterBlock {
  uint8_t jump[3];              // BS_jmpBoot: EB xx 90
  char oem_name[8];             // BS_OEMName
  uint16_t bytes_per_sector;    // BPB_BytsPerSec: 512, 1024, 2048, 4096
  uint8_t sectors_per_cluster;  // BPB_SecPerClus: power of two
  uint16_t reserved_sectors;    // BPB_RsvdSecCnt
  uint8_t num_fats;             // BPB_NumFATs
  uint16_t root_entries;        // BPB_RootEntCnt: 0 on FAT32
  uint16_t total_sectors16;     // BPB_TotSec16
  uint8_t media;                // BPB_Media
  uint16_t fat_size16;          // BPB_FATSz16: 0 on FAT32
  uint16_t sectors_per_track;   // BPB_SecPerTrk
  uint16_t num_heads;           // BPB_NumHeads
  uint32_t hidden_sectors;      // BPB_HiddSec: sectors before this volume on the disk
  uint32_t total_sectors32;     // BPB_TotSec32
};
static_assert(sizeof(BiosParameterBlock) == 36);

// fatgen103 "FAT12 and FAT16 Structure Starting at Offset 36", as a whole 512-byte sector.
struct Fat16BootSector {
  BiosParameterBlock bpb;
  uint8_t drive_number;    // BS_DrvNum
  uint8_t reserved1;       // BS_Reserved1
  uint8_t boot_signature;  // BS_BootSig: 0x29 when the next three fields are valid
  uint32_t volume_id;      // BS_VolID
  char volume_label[11];   // BS_VolLab
  char fs_type[8];         // BS_FilSysType: "FAT12   " / "FAT16   "
  uint8_t boot_code[448];  // offsets 62-509
  uint8_t signature[2];    // 0x55 0xAA at offset 510
};
static_assert(sizeof(Fat16BootSector) == 512);

// fatgen103 "FAT32 Structure Starting at Offset 36", as a whole 512-byte sector.
struct Fat32BootSector {
  BiosParameterBlock bpb;
  uint32_t fat_size32;     // BPB_FATSz32
  uint16_t ext_flags;      // BPB_ExtFlags: 0 = FATs mirrored
  uint16_t fs_version;     // BPB_FSVer: 0.0
  uint32_t root_cluster;   // BPB_RootClus
  uint16_t fs_info;        // BPB_FSInfo: sector of the FSInfo structure
  uint16_t backup_boot;    // BPB_BkBootSec: 6
  uint8_t reserved[12];    // BPB_Reserved
  uint8_t drive_number;    // BS_DrvNum
  uint8_t reserved1;       // BS_Reserved1
  uint8_t boot_signature;  // BS_BootSig
  uint32_t volume_id;      // BS_VolID
  char volume_label[11];   // BS_VolLab
  char fs_type[8];         // BS_FilSysType: "FAT32   "
  uint8_t boot_code[420];  // offsets 90-509
  uint8_t signature[2];    // 0x55 0xAA at offset 510
};
static_assert(sizeof(Fat32BootSector) == 512);

// End of the BPB (and start of boot code) for each layout: the bytes a PBR install keeps.
inline constexpr uint32_t kFat16BootCodeOffset = 62;
inline constexpr uint32_t kFat32BootCodeOffset = 90;

// fatgen103 "FAT32 FSInfo Sector Structure and Backup Boot Sector".
struct FsInfoSector {
  static constexpr uint32_t kLeadSignature = 0x41615252;
  static constexpr uint32_t kStructSignature = 0x61417272;
  static constexpr uint32_t kTrailSignature = 0xAA550000;
  static constexpr uint32_t kUnknown = 0xFFFFFFFF;
  uint32_t lead_signature;    // FSI_LeadSig
  uint8_t reserved1[480];     // FSI_Reserved1
  uint32_t struct_signature;  // FSI_StrucSig
  uint32_t free_count;        // FSI_Free_Count: free clusters, or kUnknown
  uint32_t next_free;         // FSI_Nxt_Free: hint where to look for a free cluster
  uint8_t reserved2[12];      // FSI_Reserved2
  uint32_t trail_signature;   // FSI_TrailSig
};
static_assert(sizeof(FsInfoSector) == 512);

// fatgen103 "FAT Directory Structure": the 32-byte short directory entry.
struct DirEntry {
  static constexpr uint8_t kReadOnly = 0x01;
  static constexpr uint8_t kHidden = 0x02;
  static constexpr uint8_t kSystem = 0x04;
  static constexpr uint8_t kVolumeId = 0x08;
  static constexpr uint8_t kDirectory = 0x10;
  static constexpr uint8_t kArchive = 0x20;
  static constexpr uint8_t kLongName = 0x0F;  // ReadOnly|Hidden|System|VolumeId
  static constexpr uint8_t kLongNameMask = 0x3F;
  // DIR_NTRes bits (Windows NT): the base name / extension is shown in lower case.
  static constexpr uint8_t kLowerBase = 0x08;
  static constexpr uint8_t kLowerExt = 0x10;
  static constexpr uint8_t kFreeMarker = 0xE5;  // DIR_Name[0] of a deleted entry
  static constexpr uint8_t kE5Escape = 0x05;    // DIR_Name[0] stored for a real leading 0xE5

  char name[11];              // DIR_Name: 8.3, space padded
  uint8_t attributes;         // DIR_Attr
  uint8_t nt_reserved;        // DIR_NTRes
  uint8_t create_time_tenth;  // DIR_CrtTimeTenth: 0-199 (units of 10 ms)
  uint16_t create_time;       // DIR_CrtTime
  uint16_t create_date;       // DIR_CrtDate
  uint16_t access_date;       // DIR_LstAccDate
  uint16_t first_cluster_hi;  // DIR_FstClusHI
  uint16_t write_time;        // DIR_WrtTime
  uint16_t write_date;        // DIR_WrtDate
  uint16_t first_cluster_lo;  // DIR_FstClusLO
  uint32_t file_size;         // DIR_FileSize

  uint32_t first_cluster() const {
    return (static_cast<uint32_t>(first_cluster_hi) << 16) | first_cluster_lo;
  }
  void set_first_cluster(uint32_t c) {
    first_cluster_hi = static_cast<uint16_t>(c >> 16);
    first_cluster_lo = static_cast<uint16_t>(c & 0xFFFF);
  }
};
static_assert(sizeof(DirEntry) == 32);

// fatgen103 "FAT Long Directory Entries": 13 UTF-16 units of a long name each.
struct LfnEntry {
  static constexpr uint8_t kLastOrdinal = 0x40;
  static constexpr int kUnitsPerEntry = 13;
  uint8_t ordinal;         // LDIR_Ord: 1.., | 0x40 on the last (first stored) entry
  uint16_t name1[5];       // LDIR_Name1: units 1-5
  uint8_t attributes;      // LDIR_Attr: 0x0F
  uint8_t type;            // LDIR_Type: 0
  uint8_t checksum;        // LDIR_Chksum: of the short name that follows
  uint16_t name2[6];       // LDIR_Name2: units 6-11
  uint16_t first_cluster;  // LDIR_FstClusLO: 0
  uint16_t name3[2];       // LDIR_Name3: units 12-13
};
static_assert(sizeof(LfnEntry) == 32);

#pragma pack(pop)

// FAT entry values.
inline constexpr uint32_t kFat32EntryMask = 0x0FFFFFFF;
inline constexpr uint32_t kFirstDataCluster = 2;

}  // namespace mediaforge::fat32
