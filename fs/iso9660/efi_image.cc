#include "fs/iso9660/efi_image.h"

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "fs/fat32/fat_writer.h"
#include "fs/fat32/tree_planner.h"

namespace mediaforge::iso9660 {

namespace {

// The tree of the EFI System Partition image. `--efi-dir DIR` accepts both spellings users
// write: DIR is the ESP's root when it holds an EFI directory (DIR/EFI/BOOT/BOOTX64.EFI), and
// DIR becomes the image's /EFI when it is itself named EFI (SRC/EFI/BOOT/BOOTX64.EFI with
// `--efi-dir EFI`, as cli-contract.md shows). Firmware looks for \EFI\BOOT\BOOT<arch>.EFI.
absl::StatusOr<fat32::SourceTree> EspTree(const std::string& directory) {
  auto tree = fat32::ScanSourceTree(directory);
  if (!tree.ok()) return tree.status();
  auto is_efi = [](const std::string& name) { return absl::AsciiStrToUpper(name) == "EFI"; };
  for (const auto& child : tree->root.children) {
    if (child.is_dir && is_efi(child.name)) return tree;
  }
  std::string base = std::filesystem::path(directory).lexically_normal().filename().string();
  if (base.empty())
    base = std::filesystem::path(directory).lexically_normal().parent_path().filename().string();
  if (!is_efi(base)) return tree;  // no EFI directory anywhere: the checker will say so
  fat32::SourceTree wrapped = *tree;
  fat32::SourceNode efi = std::move(tree->root);
  efi.name = "EFI";
  efi.is_dir = true;
  wrapped.root = fat32::SourceNode{};
  wrapped.root.is_dir = true;
  wrapped.root.mtime_sec = efi.mtime_sec;
  wrapped.root.children.push_back(std::move(efi));
  wrapped.directories += 1;
  return wrapped;
}

}  // namespace

absl::StatusOr<EmbeddedImage> PlanEfiDirImage(const std::string& directory,
                                              std::optional<int64_t> date) {
  fat32::FormatOptions options;
  options.label = "EFIBOOT";
  options.date = date;
  // Planned as a volume of its own (hidden sectors 0, as El Torito images are), then placed at
  // its ISO offset.
  options.device_offset = 0;
  auto tree = EspTree(directory);
  if (!tree.ok()) {
    return absl::Status(tree.status().code(),
                        absl::StrCat("EFI directory ", directory, ": ", tree.status().message()));
  }
  auto bytes = fat32::SizeForTree(options, *tree, kEfiImageSlackBytes);
  if (!bytes.ok()) {
    return absl::Status(bytes.status().code(),
                        absl::StrCat("EFI directory ", directory, ": ", bytes.status().message()));
  }
  options.volume_bytes = *bytes;
  EmbeddedImage image;
  image.bytes = *bytes;
  image.plan = [options, tree = *tree](uint64_t iso_offset) -> absl::StatusOr<engine::Layout> {
    fat32::FormatOptions placed = options;
    placed.target_offset = iso_offset;
    auto volume = fat32::PlanFatVolume(placed, tree);
    if (!volume.ok()) return volume.status();
    return std::move(volume->layout);
  };
  return image;
}

}  // namespace mediaforge::iso9660
