// Geometry decisions for a FAT volume: FAT type, cluster size, FAT size, reserved sectors padded
// so the data region starts on an alignment boundary of the whole device, and the byte offsets
// of every region. Pure arithmetic: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace mediaforge::fat32 {

enum class FatType { kAuto = 0, kFat12 = 12, kFat16 = 16, kFat32 = 32 };

std::string FatTypeName(FatType type);  // "FAT12", "FAT16", "FAT32", "auto"

// Cluster counts decide the type (fatgen103): < 4085 FAT12, < 65525 FAT16, else FAT32. The
// formatter keeps kBoundaryMargin clusters clear of each boundary, as readers disagree near them.
inline constexpr uint64_t kFat12MaxClusters = 4084;
inline constexpr uint64_t kFat16MinClusters = 4085;
inline constexpr uint64_t kFat16MaxClusters = 65524;
inline constexpr uint64_t kFat32MinClusters = 65525;
inline constexpr uint64_t kFat32MaxClusters = 0x0FFFFFF5;
inline constexpr uint64_t kBoundaryMargin = 16;
inline constexpr uint32_t kMaxClusterBytes = 64 * 1024;

// The type a reader assigns to a volume with `clusters` data clusters.
FatType TypeForClusterCount(uint64_t clusters);

struct GeometryRequest {
  uint64_t volume_bytes = 0;   // size of the volume (a partial last sector is not used)
  uint64_t device_offset = 0;  // where the volume starts on its device (partition offset)
  uint32_t bytes_per_sector = 512;
  FatType type = FatType::kAuto;
  uint32_t cluster_bytes = 0;  // 0: Microsoft's default for the size
  // The data region starts on a multiple of this, counted from the device start. 0: 1 MiB for
  // volumes of 64 MiB and more, the cluster size below that (keeps El Torito images small).
  uint64_t align_bytes = 0;
  uint32_t min_root_entries = 512;  // FAT12/16 fixed root directory (rounded up to a sector)
};

struct Geometry {
  FatType type = FatType::kFat32;
  uint32_t bytes_per_sector = 512;
  uint32_t sectors_per_cluster = 8;
  uint32_t reserved_sectors = 32;
  uint32_t num_fats = 2;
  uint32_t fat_sectors = 0;       // per FAT
  uint32_t root_entries = 0;      // FAT12/16 only
  uint32_t root_dir_sectors = 0;  // FAT12/16 only
  uint32_t total_sectors = 0;
  uint32_t hidden_sectors = 0;
  uint32_t cluster_count = 0;  // data clusters, numbered 2 .. cluster_count + 1
  uint64_t device_offset = 0;

  uint32_t cluster_bytes() const { return bytes_per_sector * sectors_per_cluster; }
  uint64_t volume_bytes() const { return uint64_t{total_sectors} * bytes_per_sector; }
  // Byte offsets within the volume (add device_offset for the device).
  uint64_t fat_offset(uint32_t index) const {
    return (uint64_t{reserved_sectors} + uint64_t{index} * fat_sectors) * bytes_per_sector;
  }
  uint64_t fat_bytes() const { return uint64_t{fat_sectors} * bytes_per_sector; }
  uint64_t root_dir_offset() const { return fat_offset(num_fats); }
  uint64_t data_offset() const {
    return root_dir_offset() + uint64_t{root_dir_sectors} * bytes_per_sector;
  }
  uint64_t cluster_offset(uint32_t cluster) const {
    return data_offset() + uint64_t{cluster - 2} * cluster_bytes();
  }
  uint32_t max_cluster() const { return cluster_count + 1; }
  // Entry values of this type.
  uint32_t end_of_chain() const;  // the value written (0x..FFF)
  uint32_t bad_cluster() const;
  bool IsEndOfChain(uint32_t value) const { return value >= end_of_chain() - 7; }
  uint32_t bits_per_entry() const { return static_cast<uint32_t>(type); }
};

// Decides every number of the volume; errors say which constraint failed with the sizes.
absl::StatusOr<Geometry> ComputeGeometry(const GeometryRequest& request);

// Microsoft's default FAT32 cluster size for a volume of `volume_bytes`.
uint32_t DefaultFat32ClusterBytes(uint64_t volume_bytes);

}  // namespace mediaforge::fat32
