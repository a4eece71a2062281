// CheckIso (iso9660.h): volume descriptors (ECMA-119 8), path tables against the directories
// (9.4, 6.9), both directory trees (9.1, with the strict record checks), Joliet against ISO9660
// file data, El Torito catalog entries and boot information tables, and the hybrid system area.
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "fs/iso9660/el_torito.h"
#include "fs/iso9660/reader_internal.h"

namespace mediaforge::iso9660 {
namespace {

using internal::ImageReader;
using internal::WalkedDirectory;

uint32_t Le32(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void CheckDescriptor(const PrimaryVolumeDescriptor& d, uint64_t at, const std::string& where,
                     uint64_t image_size, std::vector<Problem>& problems) {
  auto both = [&](bool consistent, size_t field, const char* name) {
    if (!consistent) {
      problems.push_back({where, at + field, absl::StrCat(name, ": both-endian halves disagree")});
    }
  };
  both(d.volume_space_size.Consistent(), 80, "volume space size");
  both(d.volume_set_size.Consistent(), 120, "volume set size");
  both(d.volume_sequence_number.Consistent(), 124, "volume sequence number");
  both(d.logical_block_size.Consistent(), 128, "logical block size");
  both(d.path_table_size.Consistent(), 132, "path table size");
  if (d.logical_block_size.Get() != kBlockSize) {
    problems.push_back({where, at + 128,
                        absl::StrCat("logical block size ", d.logical_block_size.Get(),
                                     " (only 2048 is supported)")});
  }
  uint64_t volume_bytes = d.volume_space_size.Get() * kBlockSize;
  if (volume_bytes > image_size) {
    problems.push_back({where, at + 80,
                        absl::StrCat("volume space is ", volume_bytes,
                                     " bytes but the image holds ", image_size, " (truncated?)")});
  }
  uint64_t seq = d.volume_sequence_number.Get(), count = d.volume_set_size.Get();
  if (seq == 0 || count == 0 || seq > count) {
    problems.push_back({where, at + 120, absl::StrCat("volume ", seq, " of a set of ", count)});
  }
  if (d.file_structure_version != 1) {
    problems.push_back({where, at + 881, "file structure version is not 1"});
  }
}

void CheckPathTable(ImageReader& reader, uint64_t lba, uint64_t size, bool big_endian,
                    const std::vector<WalkedDirectory>& dirs, const std::string& where,
                    std::vector<Problem>& problems) {
  uint64_t base = lba * kBlockSize;
  auto data = reader.ReadRange(base, size);
  if (!data.ok()) {
    problems.push_back({where, base, std::string(data.status().message())});
    return;
  }
  auto number = [&](const std::byte* p, int bytes) {
    uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      int k = big_endian ? i : bytes - 1 - i;
      v = (v << 8) | static_cast<uint8_t>(p[k]);
    }
    return v;
  };
  size_t pos = 0, index = 0;
  while (pos + sizeof(PathTableRecord) <= data->size()) {
    const std::byte* p = data->data() + pos;
    size_t name_length = static_cast<uint8_t>(p[0]);
    if (name_length == 0 || pos + 8 + name_length > data->size()) {
      problems.push_back({where, base + pos, "path table record runs past the table"});
      return;
    }
    uint32_t extent = number(p + 2, 4);
    uint32_t parent = number(p + 6, 2);
    std::string id(reinterpret_cast<const char*>(p + 8), name_length);
    if (index >= dirs.size()) {
      problems.push_back({where, base + pos, "more records than directories in the tree"});
      return;
    }
    const WalkedDirectory& d = dirs[index];
    if (extent != d.lba || parent != d.parent + 1 || id != d.identifier) {
      problems.push_back({where, base + pos,
                          absl::StrCat("record ", index + 1, " (block ", extent, ", parent ",
                                       parent, ") does not match directory /", d.path, " (block ",
                                       d.lba, ", parent ", d.parent + 1, ")")});
      return;
    }
    pos += 8 + name_length + (name_length % 2);
    ++index;
  }
  if (index != dirs.size()) {
    problems.push_back(
        {where, base, absl::StrCat("lists ", index, " directories, the tree has ", dirs.size())});
  }
}

// Walks one tree strictly and checks its path tables.
internal::TreeWalk CheckTree(ImageReader& reader, const PrimaryVolumeDescriptor& d,
                             uint64_t d_offset, bool joliet, std::vector<Problem>& problems) {
  const std::string name = joliet ? "Joliet tree" : "ISO9660 tree";
  internal::TreeWalk walk;
  auto root = internal::RootOf(d, d_offset, problems, joliet ? "Joliet SVD" : "PVD");
  if (!root) return walk;
  internal::WalkParams params;
  params.root = *root;
  params.joliet = joliet;
  params.rock_ridge = !joliet;
  params.volume_blocks = static_cast<uint32_t>(d.volume_space_size.Get());
  params.strict = true;
  params.tree_name = name;
  walk = internal::WalkTree(reader, params, problems);
  uint64_t table_size = d.path_table_size.Get();
  CheckPathTable(reader, d.l_path_table_lba.Get(), table_size, false, walk.directories,
                 name + " L path table", problems);
  CheckPathTable(reader, d.m_path_table_lba.Get(), table_size, true, walk.directories,
                 name + " M path table", problems);
  return walk;
}

// Boot information table (bytes 8-63 of a no-emulation image), when the image carries one.
void CheckBootInfoTable(ImageReader& reader, const ElToritoBootEntry& e, uint32_t volume_blocks,
                        std::vector<Problem>& problems) {
  uint64_t base = uint64_t{e.load_lba} * kBlockSize;
  std::byte head[64];
  if (e.media_type != 0 || !reader.Read(base, head).ok()) return;
  if (Le32(head + 8) != kFirstDescriptorBlock || Le32(head + 12) != e.load_lba) return;
  uint64_t length = Le32(head + 16);
  std::string where = absl::StrCat("boot information table of the image at block ", e.load_lba);
  if (length < 64 || base + length > uint64_t{volume_blocks} * kBlockSize) {
    problems.push_back({where, base + 16, absl::StrCat("image length ", length, " is impossible")});
    return;
  }
  auto image = reader.ReadRange(base, length);
  if (!image.ok()) {
    problems.push_back({where, base, std::string(image.status().message())});
    return;
  }
  uint32_t sum = BootInfoChecksum(*image);
  if (sum != Le32(head + 20)) {
    problems.push_back({where, base + 20,
                        absl::StrCat("checksum ", internal::Hex(Le32(head + 20)),
                                     ", the image sums to ", internal::Hex(sum))});
  }
}

// A UEFI El Torito image must be a FAT volume: boot sector signature and a sane BPB.
void CheckEfiImage(ImageReader& reader, const ElToritoBootEntry& e,
                   std::vector<Problem>& problems) {
  uint64_t base = uint64_t{e.load_lba} * kBlockSize;
  std::byte sector[512];
  std::string where = absl::StrCat("UEFI boot image at block ", e.load_lba);
  if (!reader.Read(base, sector).ok()) {
    problems.push_back({where, base, "cannot be read"});
    return;
  }
  uint32_t bytes_per_sector = static_cast<uint32_t>(sector[11]) | static_cast<uint32_t>(sector[12])
                                                                      << 8;
  bool power_of_two = bytes_per_sector != 0 && (bytes_per_sector & (bytes_per_sector - 1)) == 0;
  if (sector[510] != std::byte{0x55} || sector[511] != std::byte{0xAA} || !power_of_two ||
      bytes_per_sector < 512 || bytes_per_sector > 4096 || sector[13] == std::byte{0}) {
    problems.push_back({where, base, "is not a FAT volume (no boot sector signature or BPB)"});
  }
}

// Every Joliet file must point at data an ISO9660 record points at too.
void CompareTrees(const internal::TreeWalk& iso, const internal::TreeWalk& joliet,
                  std::vector<Problem>& problems) {
  std::set<std::pair<uint64_t, uint64_t>> extents;
  for (const IsoEntry& e : iso.entries) {
    for (const IsoExtentRef& x : e.extents) extents.insert({x.offset, x.length});
  }
  for (const IsoEntry& e : joliet.entries) {
    for (const IsoExtentRef& x : e.extents) {
      if (x.length != 0 && !extents.count({x.offset, x.length})) {
        problems.push_back(
            {"Joliet tree", e.record_offset,
             absl::StrCat("'", e.path, "' points at data no ISO9660 record points at")});
        break;
      }
    }
  }
}

}  // namespace

std::vector<Problem> CheckIso(device::Target& target) {
  std::vector<Problem> problems;
  ImageReader reader(target);
  internal::DescriptorSet set = internal::ReadDescriptors(reader, problems);
  if (!set.primary) {
    problems.push_back({"volume descriptor set", uint64_t{kFirstDescriptorBlock} * kBlockSize,
                        "no ISO9660 primary volume descriptor"});
    return problems;
  }
  const uint32_t volume_blocks = static_cast<uint32_t>(set.primary->volume_space_size.Get());
  CheckDescriptor(*set.primary, set.primary_offset, "primary volume descriptor", reader.size(),
                  problems);
  internal::TreeWalk iso = CheckTree(reader, *set.primary, set.primary_offset, false, problems);
  if (set.joliet) {
    CheckDescriptor(*set.joliet, set.joliet_offset, "Joliet volume descriptor", reader.size(),
                    problems);
    internal::TreeWalk joliet = CheckTree(reader, *set.joliet, set.joliet_offset, true, problems);
    CompareTrees(iso, joliet, problems);
  }
  std::vector<ElToritoBootEntry> boot;
  if (set.boot) {
    boot = internal::ReadBootCatalog(
        reader, static_cast<uint32_t>(set.boot->boot_catalog_lba.Get()), volume_blocks, problems);
    for (const ElToritoBootEntry& e : boot) {
      if (e.platform_id == kPlatformX86) CheckBootInfoTable(reader, e, volume_blocks, problems);
      if (e.platform_id == kPlatformEfi) CheckEfiImage(reader, e, problems);
    }
  }
  internal::CheckSystemArea(reader, volume_blocks, boot, problems);
  return problems;
}

}  // namespace mediaforge::iso9660
