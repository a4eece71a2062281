#include "fs/fat32/fat_writer.h"

#include <chrono>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "fs/fat32/boot_code.h"
#include "fs/fat32/dir_builder.h"
#include "fs/fat32/fat_reader.h"
#include "fs/fat32/on_disk.h"
#include "fs/fat32/short_names.h"
#include "fs/fat32/tree_planner.h"

namespace mediaforge::fat32 {
namespace {

constexpr char kOemName[8] = {'M', 'S', 'W', 'I', 'N', '4', '.', '1'};  // fatgen103's advice
constexpr uint8_t kMedia = 0xF8;
constexpr uint32_t kBackupBootSector = 6;
constexpr uint32_t kFsInfoSector = 1;

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

absl::StatusOr<std::optional<ShortName>> ParseLabel(const std::string& label) {
  if (label.empty()) return std::optional<ShortName>();
  if (label.size() > 11) {
    return absl::InvalidArgumentError(
        absl::StrCat("volume label '", label, "' is longer than 11 characters"));
  }
  ShortName out;
  out.fill(' ');
  for (size_t i = 0; i < label.size(); ++i) {
    char c = label[i] >= 'a' && label[i] <= 'z' ? static_cast<char>(label[i] - 32) : label[i];
    if (c != ' ' && !IsShortNameChar(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("volume label '", label, "' holds '", std::string(1, label[i]),
                       "'; labels take A-Z, 0-9, space and $%'-_@~`!(){}^#&"));
    }
    out[i] = c;
  }
  if (out[0] == ' ') {
    return absl::InvalidArgumentError(
        absl::StrCat("volume label '", label, "' starts with a space"));
  }
  return std::optional<ShortName>(out);
}

uint32_t MakeVolumeId(std::optional<int64_t> date) {
  uint64_t x =
      date ? static_cast<uint64_t>(*date)
           : static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
                 (uint64_t{std::random_device{}()} << 32);
  // splitmix64 finalizer: a well-spread id from the date.
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return static_cast<uint32_t>(x ^ (x >> 31));
}

GeometryRequest MakeRequest(const FormatOptions& o, const std::vector<PlannedDir>& dirs) {
  GeometryRequest r;
  r.volume_bytes = o.volume_bytes;
  r.device_offset = o.device_offset;
  r.bytes_per_sector = o.bytes_per_sector;
  r.type = o.type;
  r.cluster_bytes = o.cluster_bytes;
  r.align_bytes = o.align_bytes;
  r.min_root_entries = std::max<uint32_t>(512, dirs[0].slots);
  return r;
}

// Clusters the content takes with clusters of `cb` bytes (the FAT12/16 root takes none).
uint64_t ClustersNeeded(const std::vector<PlannedDir>& dirs, uint32_t cb, FatType type) {
  uint64_t n = 0;
  for (const PlannedDir& d : dirs) {
    if (!(d.is_root && type != FatType::kFat32)) {
      n += std::max<uint64_t>(1, CeilDiv(uint64_t{d.slots} * 32, cb));
    }
    for (const PlannedEntry& e : d.entries) {
      if (!e.node->is_dir) n += CeilDiv(e.node->size, cb);
    }
  }
  return n;
}

absl::Status CheckFits(const Geometry& g, const std::vector<PlannedDir>& dirs,
                       uint64_t slack_clusters) {
  if (g.type != FatType::kFat32 && dirs[0].slots > g.root_entries) {
    return absl::InvalidArgumentError(
        absl::StrCat("the root directory needs ", dirs[0].slots, " entries; ", FatTypeName(g.type),
                     " volumes hold ", g.root_entries, " there; nothing was written"));
  }
  const uint64_t need = ClustersNeeded(dirs, g.cluster_bytes(), g.type) + slack_clusters;
  if (need > g.cluster_count) {
    return absl::OutOfRangeError(absl::StrCat(
        "content needs ", need * g.cluster_bytes(), " bytes (", need, " clusters of ",
        g.cluster_bytes(), " bytes) but the ", FatTypeName(g.type), " volume of ", g.volume_bytes(),
        " bytes holds ", uint64_t{g.cluster_count} * g.cluster_bytes(), " bytes (", g.cluster_count,
        " clusters); nothing was written"));
  }
  return absl::OkStatus();
}

struct Planned {
  // On the heap: the directory plans point into it (the root node included), and a Planned
  // moves around.
  std::unique_ptr<SourceTree> tree;
  std::vector<PlannedDir> dirs;
  std::optional<ShortName> label;
};

// Plans directories for a tree already scanned (or built from another source, e.g. an ISO).
absl::StatusOr<Planned> PlanPreparedTree(const FormatOptions& options, SourceTree tree) {
  Planned p;
  auto label = ParseLabel(options.label);
  if (!label.ok()) return label.status();
  p.label = *label;
  p.tree = std::make_unique<SourceTree>(std::move(tree));
  auto dirs = PlanDirectories(*p.tree, p.label.has_value());
  if (!dirs.ok()) return dirs.status();
  p.dirs = std::move(*dirs);
  return p;
}

absl::StatusOr<Planned> PlanTree(const FormatOptions& options,
                                 const std::optional<std::string>& source_dir) {
  SourceTree tree;
  if (source_dir) {
    auto scanned = ScanSourceTree(*source_dir);
    if (!scanned.ok()) return scanned.status();
    tree = std::move(*scanned);
  } else {
    tree.root.is_dir = true;
    tree.root.mtime_sec = options.date ? *options.date
                                       : std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count();
  }
  return PlanPreparedTree(options, std::move(tree));
}

// Assigns clusters in pre-order: each directory, then its files. Everything is contiguous.
// Returns the first free cluster; `last_clusters` gets the last cluster of every chain.
uint32_t Allocate(std::vector<PlannedDir>& dirs, const Geometry& g,
                  std::vector<uint32_t>* last_clusters) {
  const uint32_t cb = g.cluster_bytes();
  uint32_t next = kFirstDataCluster;
  auto take = [&](uint64_t clusters) {
    const uint32_t first = next;
    next += static_cast<uint32_t>(clusters);
    last_clusters->push_back(next - 1);
    return first;
  };
  for (PlannedDir& d : dirs) {
    if (!(d.is_root && g.type != FatType::kFat32)) {
      d.clusters =
          static_cast<uint32_t>(std::max<uint64_t>(1, CeilDiv(uint64_t{d.slots} * 32, cb)));
      d.first_cluster = take(d.clusters);
    }
    for (PlannedEntry& e : d.entries) {
      if (!e.node->is_dir && e.node->size > 0) e.first_cluster = take(CeilDiv(e.node->size, cb));
    }
  }
  for (PlannedDir& d : dirs) {
    for (PlannedEntry& e : d.entries) {
      if (e.node->is_dir) e.first_cluster = dirs[e.dir_index].first_cluster;
    }
  }
  return next;
}

// The used part of a FAT (entries 0 .. end-1), encoded and padded to whole sectors.
std::shared_ptr<std::vector<std::byte>> BuildFat(const Geometry& g, uint32_t end,
                                                 const std::vector<uint32_t>& last_clusters) {
  std::vector<uint32_t> fat(end);
  for (uint32_t c = kFirstDataCluster; c < end; ++c) fat[c] = c + 1;
  const uint32_t eoc = g.end_of_chain();
  for (uint32_t last : last_clusters) fat[last] = eoc;
  fat[0] = (eoc & ~0xFFu) | kMedia;
  fat[1] = eoc;
  const uint64_t bytes = CeilDiv(uint64_t{end} * g.bits_per_entry(), 8);
  auto out = std::make_shared<std::vector<std::byte>>(CeilDiv(bytes, g.bytes_per_sector) *
                                                      g.bytes_per_sector);
  auto* o = reinterpret_cast<uint8_t*>(out->data());
  if (g.type == FatType::kFat32) {
    std::memcpy(o, fat.data(), uint64_t{end} * 4);
  } else if (g.type == FatType::kFat16) {
    for (uint32_t n = 0; n < end; ++n) {
      o[2 * n] = static_cast<uint8_t>(fat[n]);
      o[2 * n + 1] = static_cast<uint8_t>(fat[n] >> 8);
    }
  } else {
    for (uint32_t n = 0; n < end; ++n) {
      const uint32_t at = n * 3 / 2;
      if (n & 1) {
        o[at] = static_cast<uint8_t>((o[at] & 0x0F) | ((fat[n] & 0xF) << 4));
        o[at + 1] = static_cast<uint8_t>(fat[n] >> 4);
      } else {
        o[at] = static_cast<uint8_t>(fat[n]);
        o[at + 1] = static_cast<uint8_t>((o[at + 1] & 0xF0) | ((fat[n] >> 8) & 0x0F));
      }
    }
  }
  return out;
}

template <typename BootSector>
void FillBootSector(BootSector& bs, const Geometry& g, uint32_t volume_id,
                    const std::optional<ShortName>& label) {
  BiosParameterBlock& b = bs.bpb;
  std::memcpy(b.oem_name, kOemName, 8);
  b.bytes_per_sector = static_cast<uint16_t>(g.bytes_per_sector);
  b.sectors_per_cluster = static_cast<uint8_t>(g.sectors_per_cluster);
  b.reserved_sectors = static_cast<uint16_t>(g.reserved_sectors);
  b.num_fats = static_cast<uint8_t>(g.num_fats);
  b.root_entries = static_cast<uint16_t>(g.root_entries);
  const bool small = g.type != FatType::kFat32 && g.total_sectors < 0x10000;
  b.total_sectors16 = small ? static_cast<uint16_t>(g.total_sectors) : 0;
  b.total_sectors32 = small ? 0 : g.total_sectors;
  b.media = kMedia;
  b.sectors_per_track = 63;
  b.num_heads = 255;
  b.hidden_sectors = g.hidden_sectors;
  bs.drive_number = 0x80;
  bs.boot_signature = 0x29;
  bs.volume_id = volume_id;
  std::memcpy(bs.volume_label, label ? label->data() : "NO NAME    ", 11);
}

std::shared_ptr<std::vector<std::byte>> BuildReservedArea(const Geometry& g, uint32_t volume_id,
                                                          const std::optional<ShortName>& label,
                                                          uint32_t free_clusters,
                                                          uint32_t next_free) {
  const uint32_t bps = g.bytes_per_sector;
  auto area = std::make_shared<std::vector<std::byte>>(uint64_t{g.reserved_sectors} * bps);
  std::byte* base = area->data();
  if (g.type == FatType::kFat32) {
    Fat32BootSector bs;
    std::memset(&bs, 0, sizeof bs);
    FillBootSector(bs, g, volume_id, label);
    bs.bpb.fat_size16 = 0;
    bs.fat_size32 = g.fat_sectors;
    bs.root_cluster = kFirstDataCluster;
    bs.fs_info = kFsInfoSector;
    bs.backup_boot = kBackupBootSector;
    std::memcpy(bs.fs_type, "FAT32   ", 8);
    std::memcpy(base, &bs, sizeof bs);
    WriteDefaultBootCode(g.type, std::span(base, 512));
    FsInfoSector fsi;
    std::memset(&fsi, 0, sizeof fsi);
    fsi.lead_signature = FsInfoSector::kLeadSignature;
    fsi.struct_signature = FsInfoSector::kStructSignature;
    fsi.free_count = free_clusters;
    fsi.next_free = next_free;
    fsi.trail_signature = FsInfoSector::kTrailSignature;
    std::memcpy(base + kFsInfoSector * bps, &fsi, sizeof fsi);
    // Sector 2 ends in the boot signature too (the boot record is three sectors), and the
    // backup copies sectors 0-2 to 6-8.
    base[2 * bps + 510] = std::byte{0x55};
    base[2 * bps + 511] = std::byte{0xAA};
    std::memcpy(base + kBackupBootSector * bps, base, 3 * bps);
  } else {
    Fat16BootSector bs;
    std::memset(&bs, 0, sizeof bs);
    FillBootSector(bs, g, volume_id, label);
    bs.bpb.fat_size16 = static_cast<uint16_t>(g.fat_sectors);
    std::memcpy(bs.fs_type, g.type == FatType::kFat12 ? "FAT12   " : "FAT16   ", 8);
    std::memcpy(base, &bs, sizeof bs);
    WriteDefaultBootCode(g.type, std::span(base, 512));
  }
  return area;
}

absl::StatusOr<PlannedVolume> PlanVolume(const FormatOptions& options, Planned planned_value) {
  Planned* planned = &planned_value;
  std::vector<PlannedDir>& dirs = planned->dirs;
  auto geometry = ComputeGeometry(MakeRequest(options, dirs));
  if (!geometry.ok()) return geometry.status();
  const Geometry& g = *geometry;
  if (auto s = CheckFits(g, dirs, 0); !s.ok()) return s;

  PlannedVolume v;
  v.geometry = g;
  v.volume_id = MakeVolumeId(options.date);
  if (planned->label) {
    // A volume label is 11 characters with no 8.3 dot (fatgen103 BS_VolLab).
    v.label.assign(reinterpret_cast<const char*>(planned->label->data()), planned->label->size());
    v.label.erase(v.label.find_last_not_of(' ') + 1);
  }
  std::vector<uint32_t> last_clusters;
  last_clusters.reserve(planned->tree->files + planned->tree->directories + 1);
  const uint32_t end = Allocate(dirs, g, &last_clusters);
  const uint32_t used = end - kFirstDataCluster;
  v.stats = {planned->tree->files, planned->tree->directories, planned->tree->file_bytes, used,
             g.cluster_count - used};

  const uint64_t base = options.target_offset.value_or(options.device_offset);
  v.layout = engine::Layout(base + options.volume_bytes);
  v.reserved_area = BuildReservedArea(g, v.volume_id, planned->label, g.cluster_count - used,
                                      end <= g.max_cluster() ? end : FsInfoSector::kUnknown);
  v.layout.AddBytes(base, v.reserved_area, 0, v.reserved_area->size());
  auto fat = BuildFat(g, end, last_clusters);
  for (uint32_t i = 0; i < g.num_fats; ++i) {
    v.layout.AddBytes(base + g.fat_offset(i), fat, 0, fat->size());
    if (options.zero_fill) {
      v.layout.AddZeros(base + g.fat_offset(i) + fat->size(), g.fat_bytes() - fat->size());
    }
  }
  DirEncodeContext ctx{g.cluster_bytes(), options.date, planned->label};
  const uint32_t cb = g.cluster_bytes();
  for (const PlannedDir& d : dirs) {
    const uint32_t parent = d.is_root || dirs[d.parent].is_root ? 0 : dirs[d.parent].first_cluster;
    const uint64_t bytes = d.first_cluster == 0 ? uint64_t{g.root_dir_sectors} * g.bytes_per_sector
                                                : uint64_t{d.clusters} * cb;
    std::vector<std::byte> buf(bytes);
    EncodeDirectory(d, parent, ctx, buf);
    v.layout.AddBytes(
        base + (d.first_cluster == 0 ? g.root_dir_offset() : g.cluster_offset(d.first_cluster)),
        std::move(buf));
    for (const PlannedEntry& e : d.entries) {
      if (e.node->is_dir || e.node->size == 0) continue;
      const uint64_t at = base + g.cluster_offset(e.first_cluster);
      v.layout.AddFileRange(at, e.node->path, e.node->source_offset, e.node->size);
      // The tail of the last cluster is written as zeros: the run stays contiguous, so the
      // engine issues large writes across files.
      v.layout.AddZeros(at + e.node->size, CeilDiv(e.node->size, cb) * cb - e.node->size);
    }
  }
  if (auto s = v.layout.Finalize(); !s.ok()) return s;
  return v;
}

absl::StatusOr<uint64_t> SizeForPlanned(const FormatOptions& options, const Planned& planned_ref,
                                        uint64_t slack_bytes, const std::string& source_dir) {
  const Planned* planned = &planned_ref;
  constexpr uint64_t kUnit = 4096;
  auto fits = [&](uint64_t bytes) {
    FormatOptions o = options;
    o.volume_bytes = bytes;
    auto g = ComputeGeometry(MakeRequest(o, planned->dirs));
    return g.ok() && CheckFits(*g, planned->dirs, CeilDiv(slack_bytes, g->cluster_bytes())).ok();
  };
  uint64_t hi = std::max<uint64_t>(64 * 1024, planned->tree->file_bytes + slack_bytes);
  hi = CeilDiv(hi, kUnit) * kUnit;
  while (!fits(hi)) {
    if (hi > (uint64_t{16} << 40)) {
      return absl::OutOfRangeError(absl::StrCat(source_dir, ": no FAT volume up to 16 TiB holds ",
                                                planned->tree->file_bytes, " bytes of content"));
    }
    hi *= 2;
  }
  uint64_t lo = 0;  // does not fit (in units)
  uint64_t hi_units = hi / kUnit;
  while (hi_units - lo > 1) {
    const uint64_t mid = lo + (hi_units - lo) / 2;
    if (fits(mid * kUnit))
      hi_units = mid;
    else
      lo = mid;
  }
  return hi_units * kUnit;
}

}  // namespace

absl::StatusOr<PlannedVolume> PlanFatVolume(const FormatOptions& options,
                                            const std::optional<std::string>& source_dir) {
  auto planned = PlanTree(options, source_dir);
  if (!planned.ok()) return planned.status();
  return PlanVolume(options, std::move(*planned));
}

absl::StatusOr<PlannedVolume> PlanFatVolume(const FormatOptions& options, SourceTree tree) {
  auto planned = PlanPreparedTree(options, std::move(tree));
  if (!planned.ok()) return planned.status();
  return PlanVolume(options, std::move(*planned));
}

absl::StatusOr<uint64_t> SizeForTree(const FormatOptions& options, const std::string& source_dir,
                                     uint64_t slack_bytes) {
  auto planned = PlanTree(options, source_dir);
  if (!planned.ok()) return planned.status();
  return SizeForPlanned(options, *planned, slack_bytes, source_dir);
}

absl::StatusOr<uint64_t> SizeForTree(const FormatOptions& options, SourceTree tree,
                                     uint64_t slack_bytes) {
  auto planned = PlanPreparedTree(options, std::move(tree));
  if (!planned.ok()) return planned.status();
  return SizeForPlanned(options, *planned, slack_bytes, "source tree");
}

absl::Status InstallPbr(PlannedVolume& volume, std::span<const std::byte> pbr) {
  const Geometry& g = volume.geometry;
  std::span<std::byte> area(*volume.reserved_area);
  if (auto s = CopyPbrCode(g.type, pbr, area.first(512)); !s.ok()) return s;
  if (g.type == FatType::kFat32) {
    std::memcpy(area.data() + kBackupBootSector * g.bytes_per_sector, area.data(), 512);
  }
  return absl::OkStatus();
}

absl::Status InstallPbr(device::Target& target, uint64_t offset, std::span<const std::byte> pbr) {
  auto volume = OpenFatVolume(target, offset);
  if (!volume.ok()) return volume.status();
  const Geometry& g = (*volume)->geometry();
  std::vector<std::byte> sector(512);
  if (auto s = device::ReadFully(target, sector, offset); !s.ok()) return s;
  if (auto s = CopyPbrCode(g.type, pbr, sector); !s.ok()) return s;
  if (auto s = device::WriteFully(target, sector, offset); !s.ok()) return s;
  if (g.type == FatType::kFat32) {
    Fat32BootSector bs;
    std::memcpy(&bs, sector.data(), sizeof bs);
    if (bs.backup_boot != 0 && bs.backup_boot < g.reserved_sectors) {
      const uint64_t at = offset + uint64_t{bs.backup_boot} * g.bytes_per_sector;
      if (auto s = device::WriteFully(target, sector, at); !s.ok()) return s;
    }
  }
  return target.Flush();
}

}  // namespace mediaforge::fat32
