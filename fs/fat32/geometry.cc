#include "fs/fat32/geometry.h"

#include <algorithm>
#include <bit>

#include "absl/strings/str_cat.h"

namespace mediaforge::fat32 {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

uint64_t MinClusters(FatType t) {
  switch (t) {
    case FatType::kFat12:
      return 1;
    case FatType::kFat16:
      return kFat16MinClusters + kBoundaryMargin;
    default:
      return kFat32MinClusters + kBoundaryMargin;
  }
}

uint64_t MaxClusters(FatType t) {
  switch (t) {
    case FatType::kFat12:
      return kFat12MaxClusters - kBoundaryMargin;
    case FatType::kFat16:
      return kFat16MaxClusters - kBoundaryMargin;
    default:
      return kFat32MaxClusters;
  }
}

// Lays the volume out for a fixed type and cluster size; clusters may fall outside the type's
// range (the caller checks). Errors only when the metadata alone does not fit.
absl::StatusOr<Geometry> LayOut(const GeometryRequest& req, FatType type, uint32_t cluster_bytes,
                                uint64_t total_sectors) {
  Geometry g;
  g.type = type;
  g.bytes_per_sector = req.bytes_per_sector;
  g.sectors_per_cluster = cluster_bytes / req.bytes_per_sector;
  g.total_sectors = static_cast<uint32_t>(total_sectors);
  g.hidden_sectors = static_cast<uint32_t>(req.device_offset / req.bytes_per_sector);
  g.device_offset = req.device_offset;
  const uint32_t bps = req.bytes_per_sector;
  if (type != FatType::kFat32) {
    const uint32_t per_sector = bps / 32;
    g.root_entries = static_cast<uint32_t>(
        CeilDiv(std::max<uint32_t>(req.min_root_entries, 1), per_sector) * per_sector);
    g.root_dir_sectors = g.root_entries / per_sector;
    if (g.root_entries > 0xFFFF) {
      return absl::InvalidArgumentError(
          absl::StrCat("a root directory of ", req.min_root_entries, " entries is more than ",
                       FatTypeName(type), " can hold (65535); FAT32 roots grow as needed"));
    }
  }
  const uint32_t min_reserved = type == FatType::kFat32 ? 32 : 1;
  uint64_t align = req.align_bytes;
  if (align == 0) align = g.volume_bytes() >= 64 * kMiB ? kMiB : cluster_bytes;
  align = std::max<uint64_t>(align, bps);
  const uint32_t bits = static_cast<uint32_t>(type);
  uint64_t fat = 1;
  for (int round = 0; round < 64; ++round) {
    uint64_t meta = min_reserved + g.num_fats * fat + g.root_dir_sectors;
    uint64_t start = req.device_offset + meta * bps;
    uint64_t pad = (align - start % align) % align;
    uint64_t reserved = min_reserved + pad / bps;
    meta += pad / bps;
    if (reserved > 0xFFFF) {
      return absl::InvalidArgumentError(absl::StrCat(
          "alignment of ", align, " bytes needs ", reserved, " reserved sectors (at most 65535)"));
    }
    if (meta >= total_sectors) {
      return absl::InvalidArgumentError(absl::StrCat(
          "volume of ", g.volume_bytes(), " bytes is too small for ", FatTypeName(type),
          " metadata (", meta * bps, " bytes before the first cluster)"));
    }
    uint64_t clusters = (total_sectors - meta) / g.sectors_per_cluster;
    uint64_t need = CeilDiv(CeilDiv((clusters + 2) * bits, 8), bps);
    g.reserved_sectors = static_cast<uint32_t>(reserved);
    g.cluster_count = static_cast<uint32_t>(std::min<uint64_t>(clusters, UINT32_MAX));
    if (need <= fat) {
      g.fat_sectors = static_cast<uint32_t>(fat);
      return g;
    }
    fat = need;
  }
  return absl::InternalError("FAT size did not converge");
}

bool InRange(const Geometry& g) {
  return g.cluster_count >= MinClusters(g.type) && g.cluster_count <= MaxClusters(g.type);
}

std::string RangeText(FatType t) {
  return absl::StrCat(FatTypeName(t), " needs ", MinClusters(t), " to ", MaxClusters(t),
                      " clusters");
}

// Fixed type: the requested cluster size, or the default for FAT32 (adjusted into range), or
// the smallest cluster that keeps FAT12/16 under its maximum.
absl::StatusOr<Geometry> ForType(const GeometryRequest& req, FatType type, uint64_t sectors) {
  const uint32_t bps = req.bytes_per_sector;
  if (req.cluster_bytes != 0) {
    auto g = LayOut(req, type, req.cluster_bytes, sectors);
    if (!g.ok()) return g.status();
    if (!InRange(*g)) {
      return absl::InvalidArgumentError(
          absl::StrCat("volume of ", g->volume_bytes(), " bytes with ", req.cluster_bytes,
                       "-byte clusters has ", g->cluster_count, " clusters; ", RangeText(type)));
    }
    return g;
  }
  uint32_t cb =
      type == FatType::kFat32 ? std::max(bps, DefaultFat32ClusterBytes(sectors * bps)) : bps;
  cb = std::min(cb, std::max(bps, 32u * 1024));
  absl::StatusOr<Geometry> last = absl::InternalError("no cluster size tried");
  // FAT32: walk down while too few clusters, up while too many. FAT12/16: walk up.
  for (int step = 0; step < 16; ++step) {
    last = LayOut(req, type, cb, sectors);
    if (!last.ok()) return last.status();
    if (InRange(*last)) return last;
    if (last->cluster_count < MinClusters(type)) {
      if (type != FatType::kFat32 || cb == bps) break;
      cb /= 2;
    } else {
      if (cb * 2 > kMaxClusterBytes || cb * 2 / bps > 128) break;
      cb *= 2;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("volume of ", sectors * bps, " bytes cannot be ",
                                                 FatTypeName(type), " (", RangeText(type), " of ",
                                                 bps, " to ", kMaxClusterBytes, " bytes)"));
}

}  // namespace

std::string FatTypeName(FatType type) {
  switch (type) {
    case FatType::kFat12:
      return "FAT12";
    case FatType::kFat16:
      return "FAT16";
    case FatType::kFat32:
      return "FAT32";
    default:
      return "auto";
  }
}

FatType TypeForClusterCount(uint64_t clusters) {
  if (clusters < kFat16MinClusters) return FatType::kFat12;
  if (clusters < kFat32MinClusters) return FatType::kFat16;
  return FatType::kFat32;
}

uint32_t Geometry::end_of_chain() const {
  switch (type) {
    case FatType::kFat12:
      return 0xFFF;
    case FatType::kFat16:
      return 0xFFFF;
    default:
      return 0x0FFFFFFF;
  }
}

uint32_t Geometry::bad_cluster() const { return end_of_chain() - 8; }

uint32_t DefaultFat32ClusterBytes(uint64_t volume_bytes) {
  constexpr uint64_t kGiB = 1024 * kMiB;
  if (volume_bytes <= 260 * kMiB) return 512;
  if (volume_bytes <= 8 * kGiB) return 4096;
  if (volume_bytes <= 16 * kGiB) return 8192;
  if (volume_bytes <= 32 * kGiB) return 16384;
  return 32768;
}

absl::StatusOr<Geometry> ComputeGeometry(const GeometryRequest& req) {
  const uint32_t bps = req.bytes_per_sector;
  if (bps < 512 || bps > 4096 || !std::has_single_bit(bps)) {
    return absl::InvalidArgumentError(
        absl::StrCat("sector size ", bps, " is not one of 512, 1024, 2048, 4096"));
  }
  if (req.device_offset % bps != 0) {
    return absl::InvalidArgumentError(absl::StrCat("volume offset ", req.device_offset,
                                                   " is not a multiple of the sector size ", bps));
  }
  if (req.device_offset / bps > UINT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("volume offset ", req.device_offset,
                                                   " is beyond what hidden sectors can hold"));
  }
  if (req.cluster_bytes != 0) {
    uint32_t c = req.cluster_bytes;
    if (!std::has_single_bit(c) || c < bps || c > kMaxClusterBytes || c / bps > 128) {
      return absl::InvalidArgumentError(
          absl::StrCat("cluster size ", c, " must be a power of two from the sector size (", bps,
                       ") to ", kMaxClusterBytes, " bytes"));
    }
  }
  uint64_t sectors = req.volume_bytes / bps;
  // Exactly 2^32 sectors (a 2 TiB disk with 512-byte sectors): use all but the last one.
  if (sectors == uint64_t{UINT32_MAX} + 1) sectors = UINT32_MAX;
  if (sectors > UINT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(
        "volume of ", req.volume_bytes, " bytes is larger than FAT can address with ", bps,
        "-byte sectors (", uint64_t{UINT32_MAX} * bps, " bytes; 4096-byte sectors reach 16 TiB)"));
  }
  if (sectors < 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("volume of ", req.volume_bytes, " bytes is too small for FAT"));
  }
  if (req.type != FatType::kAuto) return ForType(req, req.type, sectors);
  // Auto: FAT32 whenever the volume safely holds enough clusters, else FAT16, else FAT12.
  for (FatType t : {FatType::kFat32, FatType::kFat16, FatType::kFat12}) {
    auto g = ForType(req, t, sectors);
    if (g.ok()) return g;
    if (t == FatType::kFat12) return g.status();
  }
  return absl::InternalError("unreachable");
}

}  // namespace mediaforge::fat32
