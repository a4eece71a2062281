// `mediaforge iso` as a library: plans one ISO9660 image (or a multi-volume set) holding a
// source directory - ISO9660 level 3 + Rock Ridge + Joliet, El Torito BIOS/UEFI boot, optional
// hybrid MBR/GPT - as engine::Layouts. Nothing is written here; iso_output.h names the volume files.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/layout.h"
#include "fs/iso9660/source_tree.h"

namespace mediaforge::iso9660 {

struct IsoWriteOptions {
  std::string source_dir;
  std::string label = "CDROM";
  std::optional<std::string> bios_boot;    // relative to source_dir
  std::optional<uint16_t> boot_load_size;  // 512-byte sectors; default 4
  bool boot_info_table = false;
  std::optional<std::string> efi_boot;  // relative to source_dir: a FAT image in the tree
  std::optional<std::string> efi_dir;   // relative to source_dir: built into a FAT image
  bool hybrid = false;
  bool joliet = true;
  bool rock_ridge = true;
  std::optional<std::string> isohybrid_mbr;  // template file (implies hybrid)
  std::optional<std::string> grub2_mbr;      // template file (implies hybrid)
  // Reproducible output: volume dates are this, no timestamp is later, GUIDs derive from it.
  std::optional<int64_t> date;
  std::optional<uint64_t> media_size;  // split into volumes of at most this many bytes
  // Split sets: files (relative paths) that must be on volume 1 besides the boot images (the
  // media configuration of `mediaforge create`).
  std::vector<std::string> first_volume_files;
  // Where the image goes: an existing OUT.iso (or OUT-NN.iso) inside SRC_DIR is left out.
  std::string output_path;
};

// Where a file's data lies in its volume (ISO9660 files are contiguous; hard links share one
// place): digests of the files can be taken from the layout while it streams (the manifest of
// `mediaforge create`, fs/media/streamed_manifest.h). A patched boot image is there as written.
struct PlacedFile {
  std::string path;     // relative to the root, '/'-separated
  uint64_t offset = 0;  // byte offset in the volume (0 for empty files)
  uint64_t size = 0;
};

struct PlannedIsoVolume {
  engine::Layout layout;  // finalized
  uint16_t sequence = 1;  // 1-based volume sequence number
  uint64_t files = 0;
  uint64_t file_bytes = 0;
  std::vector<PlacedFile> placed;  // every file of the volume, tree order
};

struct IsoPlan {
  std::vector<PlannedIsoVolume> volumes;  // one unless --media-size split the content
  int64_t date = 0;
  // Things the user may want to know that are not errors (deep trees, ...).
  std::vector<std::string> notes;
};

// Option conflicts and missing companions, before anything is read.
absl::Status ValidateIsoOptions(const IsoWriteOptions& options);

// Scans the source, runs every pre-flight check (boot files inside the tree, templates readable,
// a file bigger than a volume) and plans the image(s).
absl::StatusOr<IsoPlan> PlanIso(const IsoWriteOptions& options);

// The same for a tree assembled by the caller (several directories and generated files, see
// fs/media): boot paths are relative to the tree; `options.efi_dir` to options.source_dir.
absl::StatusOr<IsoPlan> PlanIsoTree(const IsoWriteOptions& options,
                                    std::unique_ptr<SourceNode> root);

}  // namespace mediaforge::iso9660
