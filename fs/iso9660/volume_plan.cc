#include "fs/iso9660/volume_plan.h"

#include <fstream>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "fs/iso9660/el_torito.h"
#include "fs/iso9660/hierarchy.h"
#include "fs/iso9660/on_disk.h"
#include "fs/iso9660/path_table.h"
#include "fs/iso9660/volume_descriptors.h"

namespace mediaforge::iso9660 {
namespace {

constexpr uint64_t kMaxBlocks = 0xFFFFFFFFull;

uint64_t BlocksFor(uint64_t bytes) { return (bytes + kBlockSize - 1) / kBlockSize; }

// Block numbers of everything but file data, chosen before directories are serialized.
struct Allocation {
  uint32_t pvd = kFirstDescriptorBlock;
  uint32_t boot_record = 0;
  uint32_t joliet_svd = 0;
  uint32_t terminator = 0;
  uint32_t l_table = 0, m_table = 0, joliet_l_table = 0, joliet_m_table = 0;
  uint32_t catalog = 0;
  uint32_t efi_image = 0;
  uint64_t data_end_block = 0;
};

absl::StatusOr<std::vector<std::byte>> ReadWholeFile(const SourceNode& node) {
  if (node.content) return *node.content;
  if (node.size > kMaxPatchedBootImage) {
    return absl::InvalidArgumentError(absl::StrCat(node.source_path, ": ", node.size,
                                                   " bytes is too large for a patched boot image"));
  }
  std::ifstream in(node.source_path, std::ios::binary);
  std::vector<std::byte> data(node.size);
  if (!in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(node.size))) {
    return absl::DataLossError(
        absl::StrCat(node.source_path, ": cannot read ", node.size, " bytes (did it change?)"));
  }
  return data;
}

// Patches the BIOS boot image in memory: GRUB2 boot info (with the GRUB2 MBR), then the boot
// information table, which must come last because it checksums the image.
absl::Status PatchBiosImage(SourceNode& node, const VolumeParams& p) {
  bool grub2 = p.hybrid && p.template_kind == MbrTemplateKind::kGrub2;
  if (!grub2 && !p.boot_info_table) return absl::OkStatus();
  auto data = ReadWholeFile(node);
  if (!data.ok()) return data.status();
  std::string name = node.RelativePath();
  if (grub2) {
    if (auto s = PatchGrub2BootInfo(*data, node.data_lba, name); !s.ok()) return s;
  }
  if (p.boot_info_table) {
    if (auto s = PatchBootInfoTable(*data, kFirstDescriptorBlock, node.data_lba, name); !s.ok()) {
      return s;
    }
  }
  node.content = std::make_shared<const std::vector<std::byte>>(std::move(*data));
  return absl::OkStatus();
}

// Zero extents over every gap (system area, padding after each file and directory, the hybrid
// tail), so the image is one contiguous run: the engine then cuts it into large aligned chunks
// (O_DIRECT writes) instead of one unaligned run per file.
absl::StatusOr<engine::Layout> FillGaps(engine::Layout layout) {
  std::vector<std::pair<uint64_t, uint64_t>> gaps;
  uint64_t end = 0;
  for (const engine::Extent& e : layout.extents()) {
    if (e.target_offset > end) gaps.push_back({end, e.target_offset - end});
    end = e.target_offset + e.length;
  }
  if (layout.total_size() > end) gaps.push_back({end, layout.total_size() - end});
  for (const auto& [offset, length] : gaps) layout.AddZeros(offset, length);
  if (auto s = layout.Finalize(); !s.ok()) return s;
  return layout;
}

struct Trees {
  std::unique_ptr<Hierarchy> primary;
  std::unique_ptr<Hierarchy> joliet;  // null with --no-joliet
};

bool HasBoot(const VolumeParams& p) { return p.bios_boot || p.efi_boot || p.efi_image; }

// ECMA-119 6.2 / 8: system area, descriptor set, path tables, catalog, directories, the EFI
// image built from a directory, then file data depth first; hard links of one file share data.
absl::StatusOr<Allocation> Allocate(SourceNode& root, const VolumeParams& p, Trees& t) {
  Allocation a;
  uint64_t lba = kFirstDescriptorBlock + 1;
  if (HasBoot(p)) a.boot_record = static_cast<uint32_t>(lba++);
  if (t.joliet) a.joliet_svd = static_cast<uint32_t>(lba++);
  a.terminator = static_cast<uint32_t>(lba++);
  uint32_t table_blocks = PathTableBlocks(*t.primary);
  a.l_table = static_cast<uint32_t>(lba);
  a.m_table = static_cast<uint32_t>(lba + table_blocks);
  lba += 2 * table_blocks;
  if (t.joliet) {
    uint32_t j_blocks = PathTableBlocks(*t.joliet);
    a.joliet_l_table = static_cast<uint32_t>(lba);
    a.joliet_m_table = static_cast<uint32_t>(lba + j_blocks);
    lba += 2 * j_blocks;
  }
  if (HasBoot(p)) a.catalog = static_cast<uint32_t>(lba++);
  t.primary->AssignLbas(static_cast<uint32_t>(lba));
  lba += t.primary->blocks();
  if (t.joliet) {
    t.joliet->AssignLbas(static_cast<uint32_t>(lba));
    lba += t.joliet->blocks();
  }
  if (p.efi_image) {
    a.efi_image = static_cast<uint32_t>(lba);
    lba += BlocksFor(p.efi_image->bytes);
  }
  // Boot images are left out of sharing: they may be patched.
  std::map<std::pair<uint64_t, uint64_t>, const SourceNode*> first_link;
  ForEachNode(root, [&](SourceNode& n) {
    if (!n.is_file()) return;
    if (n.hard_link && n.size > 0 && &n != p.bios_boot && &n != p.efi_boot) {
      auto [it, fresh] = first_link.try_emplace({n.hard_link->device, n.hard_link->inode}, &n);
      if (!fresh && it->second->size == n.size) {
        n.data_lba = it->second->data_lba;
        n.shares_data = true;
        return;
      }
    }
    n.data_lba = n.size == 0 || lba > kMaxBlocks ? 0 : static_cast<uint32_t>(lba);
    lba += BlocksFor(n.size);
  });
  if (lba > kMaxBlocks) {
    return absl::OutOfRangeError(absl::StrCat(
        "the image would need ", lba, " blocks of 2048 bytes; ISO9660 allows ", kMaxBlocks));
  }
  a.data_end_block = lba;
  return a;
}

// Where the UEFI image is, if there is one.
struct EfiPlacement {
  uint32_t lba = 0;
  uint64_t bytes = 0;
};
std::optional<EfiPlacement> EfiOf(const VolumeParams& p, const Allocation& a) {
  if (p.efi_boot) return EfiPlacement{p.efi_boot->data_lba, p.efi_boot->size};
  if (p.efi_image) return EfiPlacement{a.efi_image, p.efi_image->bytes};
  return std::nullopt;
}

void AddDescriptors(engine::Layout& layout, const Allocation& a, const VolumeParams& p,
                    const Trees& t) {
  VolumeDescriptorInfo info;
  info.volume_label = p.label;
  info.volume_space_blocks = static_cast<uint32_t>(layout.total_size() / kBlockSize);
  info.volume_set_size = p.set_size;
  info.volume_sequence_number = p.sequence;
  info.date = p.date;
  info.path_table_size = PathTableSize(*t.primary);
  info.l_path_table_lba = a.l_table;
  info.m_path_table_lba = a.m_table;
  info.root_record = t.primary->RootRecordForDescriptor();
  layout.AddBytes(uint64_t{a.pvd} * kBlockSize, BuildPrimaryVolumeDescriptor(info));
  if (HasBoot(p)) {
    layout.AddBytes(uint64_t{a.boot_record} * kBlockSize,
                    BuildBootRecordVolumeDescriptor(a.catalog));
  }
  if (t.joliet) {
    VolumeDescriptorInfo j = info;
    j.path_table_size = PathTableSize(*t.joliet);
    j.l_path_table_lba = a.joliet_l_table;
    j.m_path_table_lba = a.joliet_m_table;
    j.root_record = t.joliet->RootRecordForDescriptor();
    layout.AddBytes(uint64_t{a.joliet_svd} * kBlockSize, BuildJolietVolumeDescriptor(j));
  }
  layout.AddBytes(uint64_t{a.terminator} * kBlockSize, BuildVolumeDescriptorSetTerminator());
}

void AddDirectories(engine::Layout& layout, uint32_t l_table, uint32_t m_table,
                    const Hierarchy& h) {
  PathTables tables = BuildPathTables(h);
  layout.AddBytes(uint64_t{l_table} * kBlockSize, std::move(tables.l_table));
  layout.AddBytes(uint64_t{m_table} * kBlockSize, std::move(tables.m_table));
  layout.AddBytes(uint64_t{h.first_lba()} * kBlockSize, h.Serialize());
}

// El Torito 1.0 2.0-2.4: the catalog, and the UEFI image built from a directory.
absl::Status AddBoot(engine::Layout& layout, const Allocation& a, const VolumeParams& p) {
  if (!HasBoot(p)) return absl::OkStatus();
  std::vector<BootImageSpec> images;
  if (p.bios_boot) images.push_back({kPlatformX86, p.bios_boot->data_lba, p.boot_load_size});
  if (auto efi = EfiOf(p, a)) {
    images.push_back({kPlatformEfi, efi->lba, EfiSectorCount(efi->bytes)});
  }
  layout.AddBytes(uint64_t{a.catalog} * kBlockSize, BuildBootCatalog(images));
  if (p.efi_image) {
    auto fat = p.efi_image->plan(uint64_t{a.efi_image} * kBlockSize);
    if (!fat.ok()) return fat.status();
    for (const engine::Extent& e : fat->extents()) layout.Add(e);
  }
  return absl::OkStatus();
}

// File data, depth first (files of a directory stay together).
void AddFileData(engine::Layout& layout, SourceNode& root) {
  ForEachNode(root, [&](SourceNode& n) {
    if (!n.is_file() || n.size == 0 || n.shares_data) return;
    uint64_t offset = uint64_t{n.data_lba} * kBlockSize;
    if (n.content) {
      layout.AddBytes(offset, n.content, 0, n.size);
    } else {
      layout.AddFileRange(offset, std::move(n.source_path), 0, n.size);  // one copy of the path
    }
  });
}

absl::Status AddHybridTables(engine::Layout& layout, const Allocation& a, const VolumeParams& p) {
  HybridSpec spec;
  spec.image_bytes = layout.total_size();
  spec.template_kind = p.template_kind;
  spec.mbr_template = p.mbr_template;
  spec.bios_boot_lba = p.bios_boot ? p.bios_boot->data_lba : 0;
  if (auto efi = EfiOf(p, a)) {
    spec.efi_lba = efi->lba;
    spec.efi_bytes = efi->bytes;
  }
  spec.guid_seed = absl::StrCat(p.label, "|", p.date, "|", spec.image_bytes, "|", p.sequence);
  auto tables = BuildHybridTables(spec);
  if (!tables.ok()) return tables.status();
  layout.AddBytes(0, std::move(tables->head));
  if (!tables->tail.empty()) layout.AddBytes(tables->tail_offset, std::move(tables->tail));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<engine::Layout> PlanVolume(SourceNode& root, const VolumeParams& p) {
  Trees t;
  auto primary = Hierarchy::Plan(root, Flavor::kIso9660, p.rock_ridge, p.timestamp_limit);
  if (!primary.ok()) return primary.status();
  t.primary = std::move(*primary);
  t.primary->set_volume_sequence(p.sequence);
  if (p.joliet) {
    auto joliet = Hierarchy::Plan(root, Flavor::kJoliet, false, p.timestamp_limit);
    if (!joliet.ok()) return joliet.status();
    t.joliet = std::move(*joliet);
    t.joliet->set_volume_sequence(p.sequence);
  }
  auto a = Allocate(root, p, t);
  if (!a.ok()) return a.status();
  uint64_t total = a->data_end_block * kBlockSize;
  if (p.hybrid) total = HybridImageSize(total, EfiOf(p, *a).has_value());
  if (p.bios_boot) {
    if (auto s = PatchBiosImage(*p.bios_boot, p); !s.ok()) return s;
  }

  engine::Layout layout(total);
  AddDescriptors(layout, *a, p, t);
  AddDirectories(layout, a->l_table, a->m_table, *t.primary);
  if (t.joliet) AddDirectories(layout, a->joliet_l_table, a->joliet_m_table, *t.joliet);
  t = Trees{};  // the directory plans are done with: free them before the file extents
  if (auto s = AddBoot(layout, *a, p); !s.ok()) return s;
  AddFileData(layout, root);
  if (p.hybrid) {
    if (auto s = AddHybridTables(layout, *a, p); !s.ok()) return s;
  }
  if (auto s = layout.Finalize(); !s.ok()) return s;
  return FillGaps(std::move(layout));
}

}  // namespace mediaforge::iso9660
