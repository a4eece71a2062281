// The directory tree of a UDF volume: File Entries and Extended File Entries (ECMA-167 4/14.9,
// 4/14.17) with short, long or in-ICB allocation descriptors (4/14.14, continued through
// Allocation Extent Descriptors, 4/14.5), and the File Identifier Descriptors of each directory
// (4/14.4), walked breadth first from the file set's root.
#include <algorithm>
#include <deque>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "fs/udf/cs0.h"
#include "fs/udf/descriptor_tag.h"
#include "fs/udf/reader_internal.h"
#include "fs/udf/udf.h"

namespace mediaforge::udf {
namespace internal {
namespace {

constexpr int kMaxAllocationExtentHops = 4096;
constexpr size_t kMaxExtentsPerFile = 1 << 20;
// Over the whole volume, so a hostile image cannot make every file cost the per-file maximum:
// real media have one extent (rarely a few) per file and no allocation extent descriptors.
constexpr size_t kMaxExtentsInVolume = 1 << 22;
constexpr int kMaxAllocationExtentHopsInVolume = 1 << 16;

// What a File Entry says about one file.
struct FileNode {
  uint8_t file_type = 0;
  uint64_t size = 0;
  int64_t mtime = 0;
  uint64_t offset = 0;  // of the File Entry
  std::vector<UdfExtent> extents;
};

class TreeReader {
 public:
  TreeReader(ImageReader& reader, const LogicalVolume& lv, size_t max_entries)
      : reader_(reader), lv_(lv), max_entries_(max_entries) {}

  absl::StatusOr<std::vector<UdfEntry>> Walk();

 private:
  absl::StatusOr<FileNode> ReadFileEntry(const LongAd& icb, const std::string& shown);
  absl::Status ReadAllocationDescriptors(std::span<const std::byte> ads, uint16_t form,
                                         uint16_t icb_ref, const std::string& shown,
                                         FileNode& node);
  absl::Status AddExtent(uint32_t length_and_type, uint16_t ref, uint32_t block,
                         const std::string& shown, FileNode& node);
  absl::StatusOr<std::vector<std::byte>> ReadData(const FileNode& node, const std::string& shown);
  absl::Status ReadDirectory(const FileNode& dir, const std::string& dir_path,
                             std::vector<std::pair<std::string, LongAd>>& children);

  ImageReader& reader_;
  const LogicalVolume& lv_;
  size_t max_entries_;
  size_t extents_in_volume_ = 0;
  int hops_in_volume_ = 0;
};

// What a File Entry (4/14.9) and an Extended File Entry (4/14.17) share, read from either.
struct EntryFields {
  IcbTag icb_tag;
  uint64_t size, header, ea_length, ad_length;
  int64_t mtime;
};
template <typename Entry>
EntryFields FieldsOf(const Entry& fe) {
  return {fe.icb_tag,
          fe.information_length.Get(),
          sizeof(fe),
          fe.length_of_extended_attributes.Get(),
          fe.length_of_allocation_descriptors.Get(),
          ToUnixTime(fe.modification_time)};
}

std::string Shown(const std::string& path) { return path.empty() ? "/" : "/" + path; }

absl::Status TreeReader::AddExtent(uint32_t length_and_type, uint16_t ref, uint32_t block,
                                   const std::string& shown, FileNode& node) {
  if (node.extents.size() >= kMaxExtentsPerFile || ++extents_in_volume_ > kMaxExtentsInVolume) {
    return absl::DataLossError(absl::StrCat("UDF file ", shown, ": more than ", kMaxExtentsPerFile,
                                            " extents in the file or ", kMaxExtentsInVolume,
                                            " in the volume"));
  }
  const uint64_t length = length_and_type & 0x3FFFFFFF;
  const uint32_t type = length_and_type >> 30;
  if (type != kRecordedAndAllocated) {  // 4/14.14.1.1: reads as zeros
    node.extents.push_back({0, length, false});
    return absl::OkStatus();
  }
  auto offset = lv_.ByteOffset(ref, block, length, absl::StrCat("UDF file ", shown, " extent"));
  if (!offset.ok()) return offset.status();
  if (*offset > reader_.size() || length > reader_.size() - *offset) {
    return absl::DataLossError(
        absl::StrCat("UDF file ", shown, ": extent of ", length, " bytes at byte ", *offset,
                     " lies beyond the end of the image (", reader_.size(), " bytes)"));
  }
  node.extents.push_back({*offset, length, true});
  return absl::OkStatus();
}

absl::Status TreeReader::ReadAllocationDescriptors(std::span<const std::byte> ads, uint16_t form,
                                                   uint16_t icb_ref, const std::string& shown,
                                                   FileNode& node) {
  const size_t step = form == kShortAds ? sizeof(ShortAd) : sizeof(LongAd);
  std::vector<std::byte> continued;  // an Allocation Extent Descriptor's block
  for (int hops = 0;;) {
    bool next = false;
    for (size_t at = 0; at + step <= ads.size(); at += step) {
      uint32_t length_and_type, block;
      uint16_t ref = icb_ref;
      if (form == kShortAds) {
        const auto ad = StructAt<ShortAd>(ads, at);
        length_and_type = ad.extent_length.Get();
        block = ad.extent_position.Get();
      } else {
        const auto ad = StructAt<LongAd>(ads, at);
        length_and_type = ad.extent_length.Get();
        block = ad.extent_location.logical_block_number.Get();
        ref = static_cast<uint16_t>(ad.extent_location.partition_reference_number.Get());
      }
      if ((length_and_type & 0x3FFFFFFF) == 0) return absl::OkStatus();  // 4/12.1: the end
      if ((length_and_type >> 30) != kNextExtentOfDescriptors) {
        if (auto s = AddExtent(length_and_type, ref, block, shown, node); !s.ok()) return s;
        continue;
      }
      // 4/14.5: the descriptors continue in an Allocation Extent Descriptor.
      if (++hops > kMaxAllocationExtentHops ||
          ++hops_in_volume_ > kMaxAllocationExtentHopsInVolume) {
        return absl::DataLossError(
            absl::StrCat("UDF file ", shown, ": more than ", kMaxAllocationExtentHops,
                         " allocation extent descriptors in the file or ",
                         kMaxAllocationExtentHopsInVolume, " in the volume"));
      }
      const std::string what = absl::StrCat("UDF file ", shown, " allocation extent");
      auto offset = lv_.ByteOffset(ref, block, lv_.block_size, what);
      if (!offset.ok()) return offset.status();
      auto bytes = reader_.ReadRange(*offset, lv_.block_size);
      if (!bytes.ok()) return bytes.status();
      if (auto s = CheckDescriptorTag(*bytes, kAllocationExtentDescriptor, block,
                                      "allocation extent descriptor of " + shown, *offset);
          !s.ok()) {
        return s;
      }
      const auto aed = StructAt<AllocationExtentDescriptor>(*bytes, 0);
      const uint64_t length = aed.length_of_allocation_descriptors.Get();
      if (length > bytes->size() - sizeof(aed)) {
        return absl::DataLossError(
            absl::StrCat("UDF allocation extent descriptor of ", shown, " at byte ", *offset, ": ",
                         length, " bytes of descriptors in a ", bytes->size(), "-byte block"));
      }
      continued = std::move(*bytes);
      ads = std::span<const std::byte>(continued).subspan(sizeof(aed), length);
      next = true;
      break;
    }
    if (!next) return absl::OkStatus();
  }
}

absl::StatusOr<FileNode> TreeReader::ReadFileEntry(const LongAd& icb, const std::string& shown) {
  const uint32_t block = icb.extent_location.logical_block_number.Get();
  const uint16_t ref = static_cast<uint16_t>(icb.extent_location.partition_reference_number.Get());
  auto offset = lv_.ByteOffset(ref, block, lv_.block_size, "UDF file entry of " + shown);
  if (!offset.ok()) return offset.status();
  auto bytes = reader_.ReadRange(*offset, lv_.block_size);
  if (!bytes.ok()) return bytes.status();
  const uint16_t id = TagIdentifierOf(*bytes);
  const bool extended = id == kExtendedFileEntry;
  if (auto s = CheckDescriptorTag(*bytes, extended ? kExtendedFileEntry : kFileEntry, block,
                                  "file entry of " + shown, *offset);
      !s.ok()) {
    return s;
  }
  FileNode node;
  node.offset = *offset;
  const EntryFields fields = extended ? FieldsOf(StructAt<ExtendedFileEntry>(*bytes, 0))
                                      : FieldsOf(StructAt<FileEntry>(*bytes, 0));
  const IcbTag& icb_tag = fields.icb_tag;
  const uint64_t header = fields.header, ea_length = fields.ea_length;
  const uint64_t ad_length = fields.ad_length;
  node.size = fields.size;
  node.mtime = fields.mtime;
  const auto fail = [&](const std::string& why) {
    return absl::DataLossError(
        absl::StrCat("UDF file entry of ", shown, " at byte ", *offset, ": ", why));
  };
  node.file_type = icb_tag.file_type;
  if (icb_tag.strategy_type.Get() != 4) {
    return absl::UnimplementedError(absl::StrCat(
        "UDF file entry of ", shown, " at byte ", *offset, ": ICB strategy ",
        icb_tag.strategy_type.Get(), " (this reader reads strategy 4, what UDF media use)"));
  }
  if (ea_length > bytes->size() - header || ad_length > bytes->size() - header - ea_length) {
    return fail(absl::StrCat(ea_length, " bytes of extended attributes and ", ad_length,
                             " of allocation descriptors do not fit in the ", bytes->size(),
                             "-byte block"));
  }
  const uint64_t ads_at = header + ea_length;
  const auto ads = std::span<const std::byte>(*bytes).subspan(ads_at, ad_length);
  const uint16_t form = icb_tag.flags.Get() & 7;
  switch (form) {
    case kInIcb:  // 4/14.6.8: the file's bytes are the descriptor area itself
      if (node.size > ad_length) {
        return fail(
            absl::StrCat("data held in the entry is ", ad_length, " bytes, the file ", node.size));
      }
      if (node.size > 0) node.extents.push_back({*offset + ads_at, node.size, true});
      return node;
    case kShortAds:
    case kLongAds:
      if (auto s = ReadAllocationDescriptors(ads, form, ref, shown, node); !s.ok()) {
        return s;
      }
      break;
    default:
      return absl::UnimplementedError(absl::StrCat(
          "UDF file entry of ", shown, " at byte ", *offset, ": allocation descriptor form ", form,
          " (extended allocation descriptors are not read)"));
  }
  // The extents cover at least the information length (the last may be rounded up to a
  // block); trim to it and merge adjacent recorded extents (UDF caps each at 1 GiB - 1 block).
  std::vector<UdfExtent> trimmed;
  uint64_t left = node.size;
  for (const auto& e : node.extents) {
    if (left == 0) break;
    UdfExtent x = e;
    x.length = std::min(x.length, left);
    left -= x.length;
    if (!trimmed.empty() && trimmed.back().recorded == x.recorded &&
        (!x.recorded || trimmed.back().offset + trimmed.back().length == x.offset)) {
      trimmed.back().length += x.length;
    } else {
      trimmed.push_back(x);
    }
  }
  if (left > 0) {
    return fail(absl::StrCat("allocation descriptors cover ", node.size - left,
                             " bytes of a file of ", node.size));
  }
  node.extents = std::move(trimmed);
  return node;
}

absl::StatusOr<std::vector<std::byte>> TreeReader::ReadData(const FileNode& node,
                                                            const std::string& shown) {
  if (node.size > kMaxLoad) {
    return absl::OutOfRangeError(absl::StrCat("UDF directory ", shown, " at byte ", node.offset,
                                              ": refusing to load ", node.size, " bytes"));
  }
  std::vector<std::byte> data(node.size);
  uint64_t at = 0;
  for (const auto& e : node.extents) {
    if (e.recorded) {
      if (auto s = reader_.Read(e.offset, std::span(data).subspan(at, e.length)); !s.ok()) {
        return s;
      }
    }
    at += e.length;
  }
  return data;
}

absl::Status TreeReader::ReadDirectory(const FileNode& dir, const std::string& dir_path,
                                       std::vector<std::pair<std::string, LongAd>>& children) {
  const std::string shown = Shown(dir_path);
  auto data = ReadData(dir, shown);
  if (!data.ok()) return data.status();
  // Where byte `at` of the directory lies in the image, for messages.
  const auto image_offset = [&](uint64_t at) {
    for (const auto& e : dir.extents) {
      if (at < e.length) return e.offset + at;
      at -= e.length;
    }
    return uint64_t{0};
  };
  std::set<std::string> seen;
  for (uint64_t at = 0; at < data->size();) {
    const auto fail = [&](const std::string& why) {
      return absl::DataLossError(absl::StrCat("UDF directory ", shown,
                                              ": file identifier descriptor at byte ",
                                              image_offset(at), ": ", why));
    };
    if (data->size() - at < sizeof(FileIdentifierDescriptor)) {
      return fail(absl::StrCat("only ", data->size() - at, " bytes left in the directory"));
    }
    const auto fid = StructAt<FileIdentifierDescriptor>(*data, at);
    const uint64_t name_length = fid.length_of_file_identifier;
    const uint64_t iu_length = fid.length_of_implementation_use.Get();
    const uint64_t length = (sizeof(fid) + iu_length + name_length + 3) / 4 * 4;  // 4/14.4.9
    if (length > data->size() - at) {
      return fail(absl::StrCat(length, " bytes reach past the directory's ", data->size()));
    }
    const auto bytes = std::span<const std::byte>(*data).subspan(at, length);
    // The tag location is the block the descriptor starts in (4/7.2.1); the checksum, the
    // identifier and the CRC are what catch damage here.
    const uint32_t location = static_cast<uint32_t>(fid.tag.tag_location.Get());
    if (auto s = CheckDescriptorTag(bytes, kFileIdentifierDescriptor, location,
                                    "file identifier descriptor in " + shown, image_offset(at));
        !s.ok()) {
      return s;
    }
    at += length;
    if (fid.file_characteristics & (kDeleted | kParent)) continue;
    auto name = DecodeCs0(std::span(
        reinterpret_cast<const uint8_t*>(bytes.data()) + sizeof(fid) + iu_length, name_length));
    if (!name.ok()) return fail(std::string(name.status().message()));
    if (name->empty() || *name == "." || *name == ".." ||
        name->find_first_of(std::string("/\0", 2)) != std::string::npos) {
      return fail(absl::StrCat("file name '", *name, "' cannot be a path component"));
    }
    if (!seen.insert(*name).second) return fail(absl::StrCat("name '", *name, "' appears twice"));
    children.emplace_back(*name, fid.icb);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<UdfEntry>> TreeReader::Walk() {
  auto root = ReadFileEntry(lv_.root_directory_icb, "/");
  if (!root.ok()) return root.status();
  if (root->file_type != kFileTypeDirectory) {
    return absl::DataLossError(absl::StrCat("UDF root directory at byte ", root->offset,
                                            ": file type ", root->file_type, ", not a directory"));
  }
  std::vector<UdfEntry> entries;
  std::set<uint64_t> visited_dirs = {root->offset};  // a directory hard-linked into itself
  std::deque<std::pair<std::string, FileNode>> queue;
  queue.emplace_back("", std::move(*root));
  while (!queue.empty()) {
    auto [dir_path, dir] = std::move(queue.front());
    queue.pop_front();
    std::vector<std::pair<std::string, LongAd>> children;
    if (auto s = ReadDirectory(dir, dir_path, children); !s.ok()) return s;
    std::sort(children.begin(), children.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [name, icb] : children) {
      const std::string path = dir_path.empty() ? name : absl::StrCat(dir_path, "/", name);
      if (entries.size() >= max_entries_) {
        return absl::OutOfRangeError(
            absl::StrCat("UDF tree: more than ", max_entries_, " entries (at /", path, ")"));
      }
      auto node = ReadFileEntry(icb, Shown(path));
      if (!node.ok()) return node.status();
      UdfEntry e;
      e.path = path;
      e.size = node->size;
      e.mtime = node->mtime;
      e.file_entry_offset = node->offset;
      if (node->file_type == kFileTypeDirectory) {
        if (!visited_dirs.insert(node->offset).second) {
          return absl::DataLossError(absl::StrCat("UDF directory /", path, " at byte ",
                                                  node->offset,
                                                  ": is already in the tree (a loop)"));
        }
        e.type = UdfEntry::Type::kDirectory;
        queue.emplace_back(path, std::move(*node));
      } else if (node->file_type == kFileTypeSymlink) {
        e.type = UdfEntry::Type::kSymlink;
        e.extents = std::move(node->extents);
      } else {
        // 4/14.6.6: 5 is a file of bytes; 0 (not specified) is read the same way. Devices,
        // FIFOs and sockets (6-11) have no bytes to copy and are left out.
        if (node->file_type != kFileTypeBytes && node->file_type != 0) continue;
        e.type = UdfEntry::Type::kFile;
        e.extents = std::move(node->extents);
      }
      entries.push_back(std::move(e));
    }
  }
  return entries;
}

}  // namespace
}  // namespace internal

absl::StatusOr<UdfVolume> OpenUdf(device::Target& target, const UdfOpenOptions& options) {
  internal::ImageReader reader(target);
  const auto with_path = [&](const absl::Status& s) {  // read errors name the image already
    const std::string message(s.message());
    if (message.rfind(target.path(), 0) == 0) return s;
    return absl::Status(s.code(), absl::StrCat(target.path(), ": ", message));
  };
  auto lv = internal::ReadLogicalVolume(reader);
  if (!lv.ok()) return with_path(lv.status());
  internal::TreeReader tree(reader, *lv, options.max_entries);
  auto entries = tree.Walk();
  if (!entries.ok()) return with_path(entries.status());
  UdfVolume volume;
  volume.volume_id = lv->volume_id;
  volume.block_size = lv->block_size;
  volume.entries = std::move(*entries);
  return volume;
}

absl::Status ExtractUdfFile(device::Target& target, const UdfEntry& entry,
                            const std::string& dest_path) {
  std::ofstream out(dest_path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat(dest_path, ": cannot create"));
  std::vector<std::byte> buffer(1 << 20);
  for (const auto& e : entry.extents) {
    for (uint64_t done = 0; done < e.length;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), e.length - done));
      if (e.recorded) {
        auto s = device::ReadFully(target, std::span(buffer).first(n), e.offset + done);
        if (!s.ok()) return s;
      } else {
        std::fill_n(buffer.begin(), n, std::byte{0});
      }
      out.write(reinterpret_cast<const char*>(buffer.data()), static_cast<std::streamsize>(n));
      done += n;
    }
  }
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(dest_path, ": write failed"));
  return absl::OkStatus();
}

}  // namespace mediaforge::udf
