// Plans one ISO9660 volume from a source tree: block allocation (system area, volume
// descriptors, path tables, boot catalog, the ISO9660/Rock Ridge and Joliet directories, the
// EFI image built from a directory, file data), boot image patching, hybrid tables, and the
// resulting engine::Layout.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/layout.h"
#include "fs/iso9660/hybrid.h"
#include "fs/iso9660/source_tree.h"

namespace mediaforge::iso9660 {

// A FAT image planned elsewhere (--efi-dir): its size, and a planner placing it at a byte
// offset of the ISO (extents at ISO offsets).
struct EmbeddedImage {
  uint64_t bytes = 0;
  std::function<absl::StatusOr<engine::Layout>(uint64_t iso_offset)> plan;
};

struct VolumeParams {
  std::string label;
  uint16_t sequence = 1;
  uint16_t set_size = 1;
  int64_t date = 0;
  int64_t timestamp_limit = std::numeric_limits<int64_t>::max();
  bool joliet = true;
  bool rock_ridge = true;
  // Boot (volume 1 only).
  SourceNode* bios_boot = nullptr;
  uint16_t boot_load_size = 4;
  bool boot_info_table = false;
  SourceNode* efi_boot = nullptr;
  std::optional<EmbeddedImage> efi_image;  // instead of efi_boot
  bool hybrid = false;
  MbrTemplateKind template_kind = MbrTemplateKind::kNone;
  std::vector<std::byte> mbr_template;
};

// Largest boot image read into memory for patching.
inline constexpr uint64_t kMaxPatchedBootImage = 64ull << 20;

// Assigns data blocks to the files of `root` and moves their source paths into the layout (the
// tree is spent afterwards, apart from sizes and names).
absl::StatusOr<engine::Layout> PlanVolume(SourceNode& root, const VolumeParams& params);

}  // namespace mediaforge::iso9660
