#include "fs/iso9660/iso_writer.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "fs/common/utf.h"
#include "fs/iso9660/efi_image.h"
#include "fs/iso9660/hybrid.h"
#include "fs/iso9660/iso_output.h"
#include "fs/iso9660/media_split.h"
#include "fs/iso9660/on_disk.h"
#include "fs/iso9660/source_tree.h"
#include "fs/iso9660/volume_plan.h"

namespace mediaforge::iso9660 {
namespace {

constexpr uint64_t kMinMediaSize = 4ull << 20;

absl::StatusOr<SourceNode*> FindBootFile(SourceNode& root, const std::string& relative,
                                         const std::string& option, const std::string& source) {
  SourceNode* node = FindNode(root, relative);
  if (node == nullptr) {
    return absl::NotFoundError(absl::StrCat(option, " ", relative, ": no such file in ", source,
                                            " (the path is relative to the source directory)"));
  }
  if (!node->is_file()) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, " ", relative, ": not a regular file in ", source));
  }
  if (node->size == 0) {
    return absl::InvalidArgumentError(absl::StrCat(option, " ", relative, ": the file is empty"));
  }
  return node;
}

// Boot settings shared by the single volume or volume 1 of a set.
struct BootSetup {
  SourceNode* bios = nullptr;
  SourceNode* efi = nullptr;
  std::optional<EmbeddedImage> efi_image;
  MbrTemplateKind template_kind = MbrTemplateKind::kNone;
  std::vector<std::byte> mbr_template;
};

absl::StatusOr<BootSetup> PrepareBoot(const IsoWriteOptions& o, SourceNode& root) {
  BootSetup b;
  if (o.bios_boot) {
    auto n = FindBootFile(root, *o.bios_boot, "BIOS boot image", o.source_dir);
    if (!n.ok()) return n.status();
    b.bios = *n;
  }
  if (o.efi_boot) {
    auto n = FindBootFile(root, *o.efi_boot, "EFI boot image", o.source_dir);
    if (!n.ok()) return n.status();
    b.efi = *n;
  }
  if (o.efi_dir) {
    SourceNode* dir = FindNode(root, *o.efi_dir);
    if (dir == nullptr || !dir->is_directory()) {
      return absl::NotFoundError(
          absl::StrCat("EFI boot directory ", *o.efi_dir, ": no such directory in ", o.source_dir));
    }
    auto image = PlanEfiDirImage(absl::StrCat(o.source_dir, "/", *o.efi_dir), o.date);
    if (!image.ok()) return image.status();
    b.efi_image = std::move(*image);
  }
  if (o.isohybrid_mbr || o.grub2_mbr) {
    const std::string& path = o.isohybrid_mbr ? *o.isohybrid_mbr : *o.grub2_mbr;
    auto t = ReadMbrTemplate(path);
    if (!t.ok()) return t.status();
    b.mbr_template = std::move(*t);
    b.template_kind = o.isohybrid_mbr ? MbrTemplateKind::kIsohybrid : MbrTemplateKind::kGrub2;
  }
  return b;
}

VolumeParams BaseParams(const IsoWriteOptions& o, int64_t date) {
  VolumeParams p;
  p.label = o.label;
  p.date = date;
  if (o.date) p.timestamp_limit = *o.date;
  p.joliet = o.joliet;
  p.rock_ridge = o.rock_ridge;
  return p;
}

void AddBoot(const IsoWriteOptions& o, BootSetup& b, VolumeParams& p) {
  p.bios_boot = b.bios;
  p.boot_load_size = o.boot_load_size.value_or(4);
  p.boot_info_table = o.boot_info_table;
  p.efi_boot = b.efi;
  p.efi_image = b.efi_image;
  p.hybrid = o.hybrid || o.isohybrid_mbr || o.grub2_mbr;
  p.template_kind = b.template_kind;
  p.mbr_template = b.mbr_template;
}

// Identities of OUT.iso and OUT-01.iso ... OUT-99.iso that exist already.
std::vector<FileIdentity> ExistingOutputs(const std::string& output_path) {
  std::vector<FileIdentity> out;
  if (output_path.empty()) return out;
  std::vector<std::string> paths = VolumePaths(output_path, 99);
  paths.push_back(output_path);
  for (const std::string& p : paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      out.push_back({static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)});
    }
  }
  return out;
}

// ECMA-119 6.8.2.1: at most 8 levels of directories (the root is level 1).
constexpr int kEcma119MaxDepth = 8;

int MaxDepth(const SourceNode& node) {
  int deepest = 0;
  for (const auto& c : node.children) {
    if (c->is_directory()) deepest = std::max(deepest, MaxDepth(*c));
  }
  return deepest + 1;
}

void CountFiles(SourceNode& root, PlannedIsoVolume& v) {
  ForEachNode(root, [&](SourceNode& n) {
    if (!n.is_file()) return;
    ++v.files;
    v.file_bytes += n.size;
    v.placed.push_back({n.RelativePath(), uint64_t{n.data_lba} * kBlockSize, n.size});
  });
}

}  // namespace

absl::Status ValidateIsoOptions(const IsoWriteOptions& o) {
  if (o.source_dir.empty()) return absl::InvalidArgumentError("no source directory");
  if (o.efi_boot && o.efi_dir) {
    return absl::InvalidArgumentError(
        "an EFI boot image and an EFI boot directory exclude each other");
  }
  if (o.isohybrid_mbr && o.grub2_mbr) {
    return absl::InvalidArgumentError(
        "the isohybrid and the GRUB2 MBR templates exclude each other");
  }
  if (!o.bios_boot && (o.boot_load_size || o.boot_info_table)) {
    return absl::InvalidArgumentError(
        "a boot load size or boot info table needs a BIOS boot image");
  }
  if ((o.isohybrid_mbr || o.grub2_mbr) && !o.bios_boot) {
    return absl::InvalidArgumentError(
        "a hybrid MBR template is patched with the BIOS boot image, and there is none");
  }
  if (o.boot_load_size && *o.boot_load_size == 0) {
    return absl::InvalidArgumentError("the boot load size must be at least 1 sector");
  }
  if (o.label.size() > 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("label '", o.label, "' is longer than 32 characters"));
  }
  if (o.media_size && *o.media_size < kMinMediaSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("media size ", *o.media_size, " is below the minimum of ", kMinMediaSize));
  }
  struct stat st;
  if (::stat(o.source_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat(o.source_dir, ": not a directory"));
  }
  return absl::OkStatus();
}

absl::StatusOr<IsoPlan> PlanIso(const IsoWriteOptions& o) {
  if (auto s = ValidateIsoOptions(o); !s.ok()) return s;
  auto root = ScanSourceTree(o.source_dir, ExistingOutputs(o.output_path));
  if (!root.ok()) return root.status();
  return PlanIsoTree(o, std::move(*root));
}

absl::StatusOr<IsoPlan> PlanIsoTree(const IsoWriteOptions& o, std::unique_ptr<SourceNode> tree) {
  if (auto s = ValidateIsoOptions(o); !s.ok()) return s;
  IsoPlan plan;
  plan.date = o.date ? *o.date : static_cast<int64_t>(std::time(nullptr));
  auto* root = &tree;
  if (int depth = MaxDepth(**root); depth > kEcma119MaxDepth) {
    plan.notes.push_back(absl::StrCat(
        "directories nest ", depth,
        " levels deep; ECMA-119 allows 8, so readers that use only "
        "plain ISO9660 names (no Rock Ridge, no Joliet) may not see the deepest ones"));
  }
  if (o.joliet) {
    // Joliet stores UTF-16: a name that is not valid UTF-8 gets '_' for each invalid byte.
    ForEachNode(**root, [&](SourceNode& n) {
      if (n.name.empty() || common::Utf8ToUtf16(n.name)) return;
      plan.notes.push_back(absl::StrCat(n.RelativePath(),
                                        ": name is not valid UTF-8; its Joliet name has '_' in "
                                        "place of each invalid byte (Rock Ridge keeps it as is)"));
    });
  }
  auto boot = PrepareBoot(o, **root);
  if (!boot.ok()) return boot.status();

  SplitResult split;
  if (o.media_size) {
    SplitRequest req;
    req.media_bytes = *o.media_size;
    if (boot->efi_image) req.first_volume_extra_bytes += boot->efi_image->bytes;
    if (o.hybrid || o.isohybrid_mbr || o.grub2_mbr) req.first_volume_extra_bytes += 2 << 20;
    if (boot->bios) req.first_volume_files.push_back(boot->bios);
    if (boot->efi) req.first_volume_files.push_back(boot->efi);
    for (const std::string& path : o.first_volume_files) {
      if (const SourceNode* n = FindNode(**root, path); n != nullptr && n->is_file()) {
        req.first_volume_files.push_back(n);
      }
    }
    auto s = SplitIntoVolumes(**root, req);
    if (!s.ok()) return s.status();
    split = std::move(*s);
  } else {
    split.roots.emplace_back();
  }

  if (split.roots.size() == 1) {
    VolumeParams p = BaseParams(o, plan.date);
    AddBoot(o, *boot, p);
    auto layout = PlanVolume(**root, p);
    if (!layout.ok()) return layout.status();
    PlannedIsoVolume v{std::move(*layout), 1};
    CountFiles(**root, v);
    plan.volumes.push_back(std::move(v));
    return plan;
  }

  // Multi-volume: boot files were forced onto volume 1; point the boot setup at their copies.
  const uint16_t count = static_cast<uint16_t>(split.roots.size());
  SourceNode& first = *split.roots[0];
  std::vector<std::byte> manifest(split.manifest.size());
  std::memcpy(manifest.data(), split.manifest.data(), manifest.size());
  if (auto m = AddMemoryFile(first, kManifestName, std::move(manifest), plan.date); !m.ok()) {
    return m.status();
  }
  if (boot->bios) boot->bios = FindNode(first, boot->bios->RelativePath());
  if (boot->efi) boot->efi = FindNode(first, boot->efi->RelativePath());
  for (uint16_t i = 0; i < count; ++i) {
    VolumeParams p = BaseParams(o, plan.date);
    p.sequence = static_cast<uint16_t>(i + 1);
    p.set_size = count;
    if (i == 0) AddBoot(o, *boot, p);
    auto layout = PlanVolume(*split.roots[i], p);
    if (!layout.ok()) return layout.status();
    if (layout->total_size() > *o.media_size) {
      return absl::InternalError(absl::StrCat("volume ", i + 1, " came out at ",
                                              layout->total_size(),
                                              " bytes, over the media size of ", *o.media_size));
    }
    PlannedIsoVolume v{std::move(*layout), p.sequence};
    CountFiles(*split.roots[i], v);
    plan.volumes.push_back(std::move(v));
  }
  return plan;
}

}  // namespace mediaforge::iso9660
