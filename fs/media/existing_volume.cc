#include "fs/media/existing_volume.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "device/partition_table.h"
#include "device/target.h"

namespace mediaforge::media {

absl::StatusOr<ExistingFatVolume> FindExistingFatVolume(const std::string& target) {
  struct stat st;
  if (::stat(target.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(
        target, ": does not exist; output.format false writes onto an existing FAT volume"));
  }
  ExistingFatVolume v;
  v.target = target;
  v.block_device = S_ISBLK(st.st_mode);
  auto table = device::ReadPartitionTable(target);
  if (!table.ok()) return table.status();
  if (!table->label.empty()) {
    if (table->partitions.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          target, ": its ", table->label, " partition table holds no partition, so no FAT volume"));
    }
    v.offset = table->partitions[0].offset;
  }
  auto device = device::OpenTarget(target, {.write = false, .exclusive = false});
  if (!device.ok()) return device.status();
  v.disk_bytes = (*device)->size();
  auto fat = fat32::OpenFatVolume(**device, v.offset);
  if (!fat.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(target, ": no FAT volume at byte offset ", v.offset,
                     table->label.empty() ? " (no partition table)" : " (its first partition)",
                     ": ", fat.status().message()));
  }
  v.geometry = (*fat)->geometry();
  if (v.offset + v.geometry.volume_bytes() > v.disk_bytes) {
    return absl::FailedPreconditionError(absl::StrCat(
        target, ": the FAT volume at byte offset ", v.offset, " claims ", v.geometry.volume_bytes(),
        " bytes, past the end of the disk (", v.disk_bytes, " bytes)"));
  }
  return v;
}

absl::StatusOr<usb::UsbMediaPlan> PlanOntoExistingVolumes(
    const std::vector<ExistingFatVolume>& volumes, fat32::SourceTree tree,
    const ExistingVolumePlanOptions& options) {
  if (volumes.empty()) return absl::InvalidArgumentError("no target");
  const ExistingFatVolume& first = volumes[0];
  const fat32::Geometry& g = first.geometry;
  for (const ExistingFatVolume& v : volumes) {
    if (!v.block_device && volumes.size() > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          v.target,
          ": an image file can take media onto its existing FAT volume only as the one "
          "target"));
    }
    if (v.offset != first.offset || v.geometry.volume_bytes() != g.volume_bytes() ||
        v.geometry.bytes_per_sector != g.bytes_per_sector ||
        v.geometry.cluster_bytes() != g.cluster_bytes() || v.geometry.type != g.type) {
      return absl::InvalidArgumentError(absl::StrCat(
          v.target, ": its FAT volume (byte offset ", v.offset, ", ", v.geometry.volume_bytes(),
          " bytes) differs from that of ", first.target, " (byte offset ", first.offset, ", ",
          g.volume_bytes(), " bytes); targets written at once must match"));
    }
  }
  fat32::FormatOptions o;
  o.volume_bytes = g.volume_bytes();
  o.device_offset = first.offset;
  o.bytes_per_sector = g.bytes_per_sector;
  o.type = g.type;
  o.cluster_bytes = g.cluster_bytes();
  o.label = options.label;
  o.date = options.date;
  o.zero_fill = true;  // the FAT regions hold the old volume's allocation
  auto volume = fat32::PlanFatVolume(o, std::move(tree));
  if (!volume.ok()) {
    return absl::Status(
        volume.status().code(),
        absl::StrCat(first.target, ": the FAT volume at byte offset ", first.offset, " (",
                     g.volume_bytes(), " bytes): ", volume.status().message()));
  }
  if (!options.pbr_code.empty()) {
    if (auto s = fat32::InstallPbr(*volume, options.pbr_code); !s.ok()) return s;
  }
  usb::UsbMediaPlan plan;
  plan.layout = std::move(volume->layout);
  plan.volume = std::move(*volume);
  plan.layout.set_total_size(first.disk_bytes);
  if (!first.block_device) {
    // A new file replaces the image: what lies outside the volume comes from the old one.
    const uint64_t end = first.offset + g.volume_bytes();
    if (first.offset > 0) plan.layout.AddFileRange(0, first.target, 0, first.offset);
    if (end < first.disk_bytes) {
      plan.layout.AddFileRange(end, first.target, end, first.disk_bytes - end);
    }
  }
  if (auto s = plan.layout.Finalize(); !s.ok()) return s;
  return plan;
}

}  // namespace mediaforge::media
