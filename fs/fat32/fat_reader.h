// Reads a FAT12/16/32 volume at any byte offset of a device or image through device::Target:
// the boot sector's geometry, the FATs, directories (long names reassembled and checked), and
// files, listed or extracted. The checker (fat_checker.h) builds on it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/problem.h"
#include "device/target.h"
#include "fs/fat32/geometry.h"

namespace mediaforge::fat32 {

// Findings of the reader and checker: where (a path in the volume, "boot sector", "FAT", ...),
// the byte offset on the target when known, and what is wrong.
using device::Problem;

struct FatFileInfo {
  std::string path;        // "/EFI/BOOT/BOOTX64.EFI": long names when present, UTF-8
  std::string short_name;  // "BOOTX64.EFI" (lower-case bits applied)
  bool has_long_name = false;
  bool is_dir = false;
  uint8_t attributes = 0;
  uint32_t first_cluster = 0;
  uint64_t size = 0;          // files
  int64_t mtime = 0;          // seconds since the epoch (FAT times read as UTC)
  uint64_t entry_offset = 0;  // byte offset of the short entry on the target
};

// Why `sector` is not a FAT boot sector (fatgen103 "Boot Sector and BPB": BS_jmpBoot EB xx 90
// or E9 xx xx, BPB_BytsPerSec 512-4096 and a power of two, BPB_SecPerClus a power of two), or
// nullopt when it looks like one. Partition tables have none of these at those offsets.
std::optional<std::string> NotAFatBootSector(std::span<const std::byte> sector);
inline bool LooksLikeFatBootSector(std::span<const std::byte> sector) {
  return !NotAFatBootSector(sector).has_value();
}

class FatVolume {
 public:
  // Parses the boot sector at `offset`; fails when it is not a FAT boot sector.
  static absl::StatusOr<std::unique_ptr<FatVolume>> Open(device::Target& target, uint64_t offset);

  const Geometry& geometry() const { return geometry_; }
  uint32_t volume_id() const { return volume_id_; }
  const std::string& label() const { return label_; }  // BPB label, trimmed ("" for NO NAME)
  device::Target& target() { return target_; }
  uint64_t offset() const { return geometry_.device_offset; }
  // Device byte offset of a cluster / of a byte inside the volume.
  uint64_t ClusterOffset(uint32_t cluster) const {
    return geometry_.device_offset + geometry_.cluster_offset(cluster);
  }

  // The first FAT, decoded (entries 0 .. max_cluster()); read on first use.
  absl::StatusOr<const std::vector<uint32_t>*> Fat();

  // The chain starting at `first`. Errors (naming the cluster) on loops, free or bad entries
  // and clusters out of range.
  absl::StatusOr<std::vector<uint32_t>> Chain(uint32_t first);

  // Entries of the directory at `first_cluster` (0: the root), "." and ".." left out. Problems
  // with long names or entries go to `problems` when given.
  absl::StatusOr<std::vector<FatFileInfo>> ReadDirectory(const std::string& dir_path,
                                                         uint32_t first_cluster,
                                                         std::vector<Problem>* problems);
  // The raw bytes of a directory (chain or FAT12/16 root region), with each byte's device offset
  // recoverable through `cluster_offsets` (one per cluster; root region: one entry).
  absl::StatusOr<std::vector<std::byte>> ReadDirectoryBytes(uint32_t first_cluster,
                                                            std::vector<uint64_t>* cluster_offsets);

  // Every file and directory, pre-order.
  absl::StatusOr<std::vector<FatFileInfo>> List();
  // Looks a path up ("/" separated, case-insensitive like FAT).
  absl::StatusOr<FatFileInfo> Stat(const std::string& path);
  absl::StatusOr<std::vector<std::byte>> ReadFile(const FatFileInfo& file);
  // Writes the file to `dest_path` (created or replaced) with its modification time.
  absl::Status Extract(const FatFileInfo& file, const std::string& dest_path);
  // Extracts the whole volume under `dest_dir` (created when missing).
  absl::Status ExtractAll(const std::string& dest_dir);

 private:
  FatVolume(device::Target& target, Geometry geometry) : target_(target), geometry_(geometry) {}
  // Calls `fn(device_offset, length)` for each run of contiguous clusters holding `bytes` bytes
  // of the chain at `first`.
  template <typename Fn>
  absl::Status ForEachRun(uint32_t first, uint64_t bytes, const std::string& what, Fn fn);
  // The clusters of the directory at `first_cluster` (0: the root; empty for a FAT12/16 root,
  // which lives outside the data area).
  absl::StatusOr<std::vector<uint32_t>> DirectoryClusters(uint32_t first_cluster);

  device::Target& target_;
  Geometry geometry_;
  uint32_t volume_id_ = 0;
  std::string label_;
  std::optional<std::vector<uint32_t>> fat_;
};

// Entry point used by verify, usb and iso: the volume at `offset` of `target`.
absl::StatusOr<std::unique_ptr<FatVolume>> OpenFatVolume(device::Target& target, uint64_t offset);

// Geometry of a boot sector (first 512 bytes or more); fails with the reason when the sector
// does not describe a FAT volume. `device_offset` is where the sector sits.
absl::StatusOr<Geometry> ParseBootSector(std::span<const std::byte> sector, uint64_t device_offset);

// Reads FAT number `index` of `g` from `target`, decoded (entries 0 .. cluster_count + 1).
absl::StatusOr<std::vector<uint32_t>> ReadFat(device::Target& target, const Geometry& g,
                                              uint32_t index);

}  // namespace mediaforge::fat32
