#include "fs/usb/usb_media.h"

#include "absl/strings/str_cat.h"
#include "fs/usb/mbr_boot_code.h"

namespace mediaforge::usb {
namespace {

constexpr uint64_t kMiB = 1 << 20;

uint64_t SeedFrom(const UsbMediaOptions& o) {
  return o.date ? static_cast<uint64_t>(*o.date) * 0x9E3779B97F4A7C15ull + 0x5D : 0;
}

}  // namespace

absl::StatusOr<UsbMediaPlan> PlanUsbMedia(const UsbMediaOptions& options,
                                          const UsbContent& content) {
  device::PartitionPlan pp;
  pp.scheme = options.scheme;
  pp.disk_bytes = options.disk_bytes;
  pp.sector_size = options.sector_size;
  if (options.date) pp.seed = SeedFrom(options);
  auto table = device::BuildPartitionTable(pp);
  if (!table.ok()) return table.status();

  fat32::FormatOptions fo;
  fo.volume_bytes = table->partition_bytes;
  fo.device_offset = table->partition_offset;
  fo.bytes_per_sector = options.sector_size;
  fo.type = fat32::FatType::kFat32;
  fo.cluster_bytes = options.cluster_bytes;
  fo.label = options.label;
  fo.date = options.date;
  fo.zero_fill = options.zero_fill;
  auto volume = content.tree ? fat32::PlanFatVolume(fo, *content.tree)
                             : fat32::PlanFatVolume(fo, content.dir);
  if (!volume.ok()) {
    return absl::Status(volume.status().code(),
                        absl::StrCat("FAT32 partition of ", table->partition_bytes,
                                     " bytes: ", volume.status().message()));
  }
  if (!options.pbr_code.empty()) {
    if (auto s = fat32::InstallPbr(*volume, options.pbr_code); !s.ok()) return s;
  }

  // Boot code into the MBR libfdisk made (bytes 0-439; signature and table stay).
  std::vector<std::byte>& mbr = table->regions[0].bytes;
  if (options.mbr_code.empty()) {
    WriteDefaultMbrCode(mbr);
  } else if (auto s = InstallMbrCode(options.mbr_code, mbr); !s.ok()) {
    return s;
  }

  UsbMediaPlan plan;
  plan.layout.set_total_size(options.disk_bytes);
  uint64_t table_end = 0;
  for (auto& r : table->regions) {
    if (r.offset == 0) table_end = r.bytes.size();
    plan.layout.AddBytes(r.offset, r.bytes);
  }
  if (options.zero_fill && table->partition_offset > table_end) {
    // Old boot sectors, ISO9660 descriptors (32 KiB) or GPTs between the table and the
    // partition would still be found by probes and firmware.
    plan.layout.AddZeros(table_end, table->partition_offset - table_end);
  }
  for (const auto& e : volume->layout.extents()) plan.layout.Add(e);
  if (auto s = plan.layout.Finalize(); !s.ok()) return s;
  plan.table = std::move(*table);
  plan.volume = std::move(*volume);
  return plan;
}

absl::StatusOr<uint64_t> DiskSizeForContent(const UsbMediaOptions& options,
                                            const UsbContent& content, uint64_t slack_bytes) {
  fat32::FormatOptions fo;
  fo.bytes_per_sector = options.sector_size;
  fo.type = fat32::FatType::kFat32;
  fo.cluster_bytes = options.cluster_bytes;
  fo.device_offset = kMiB;
  auto volume_bytes = content.tree ? fat32::SizeForTree(fo, *content.tree, slack_bytes)
                                   : fat32::SizeForTree(fo, content.dir.value_or(""), slack_bytes);
  if (!volume_bytes.ok()) return volume_bytes.status();
  // 1 MiB before the partition; GPT needs 33 sectors at the end too; round up to a MiB.
  uint64_t disk = kMiB + *volume_bytes + kMiB;
  return (disk + kMiB - 1) / kMiB * kMiB;
}

}  // namespace mediaforge::usb
