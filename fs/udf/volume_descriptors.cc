// The volume structure of a UDF image, from recognition to the root directory's ICB:
// Volume Recognition Sequence (ECMA-167 2/9.1), Anchor Volume Descriptor Pointer at sector 256
// (3/8.4.2.1, OSTA UDF 2.2.3), Volume Descriptor Sequence (3/8.4.3: Primary, Partition,
// Logical Volume descriptors up to the Terminating one), File Set Descriptor (4/14.1).
#include <algorithm>
#include <ctime>
#include <map>

#include "absl/strings/str_cat.h"
#include "fs/udf/cs0.h"
#include "fs/udf/descriptor_tag.h"
#include "fs/udf/reader_internal.h"
#include "fs/udf/udf.h"

namespace mediaforge::udf {
namespace internal {
namespace {

constexpr uint64_t kRecognitionStart = 32768;  // 2/8.3.1: after the 32 KiB system area
constexpr uint32_t kAnchorSector = 256;        // 3/8.4.2.1
constexpr int kMaxRecognitionDescriptors = 64;
constexpr int kMaxSequenceSectors = 4096;  // a sequence is >= 16 sectors (3/8.4.3); real: 16-32
constexpr int kMaxSequencePointers = 8;    // Volume Descriptor Pointer hops

// 3/7.1: the byte offset of `sector`, checked against the image.
absl::StatusOr<std::vector<std::byte>> ReadSector(ImageReader& reader, uint64_t sector,
                                                  uint32_t block_size) {
  return reader.ReadRange(sector * block_size, block_size);
}

bool RecognitionNamesNsr(ImageReader& reader, uint64_t step);

struct SequenceContents {
  std::map<uint16_t, std::pair<uint32_t, PartitionDescriptor>> partition_by_number;
  std::optional<std::vector<std::byte>> logical_volume;  // the whole sector: maps follow it
  uint32_t logical_volume_sequence_number = 0;
  uint64_t logical_volume_offset = 0;
};

// Reads one Volume Descriptor Sequence (3/8.4.3), following Volume Descriptor Pointers. The
// prevailing descriptor of each kind is the one with the highest sequence number (3/8.4.3.1).
absl::Status ReadSequence(ImageReader& reader, uint32_t block_size, ExtentAd extent,
                          SequenceContents& out) {
  int hops = 0;
  uint64_t sector = extent.extent_location.Get();
  uint64_t sectors = extent.extent_length.Get() / block_size;
  for (int read = 0; sectors > 0; ++read, ++sector, --sectors) {
    if (read >= kMaxSequenceSectors) {
      return absl::DataLossError(absl::StrCat("UDF volume descriptor sequence at byte ",
                                              sector * block_size, ": more than ",
                                              kMaxSequenceSectors, " descriptors"));
    }
    auto bytes = ReadSector(reader, sector, block_size);
    if (!bytes.ok()) return bytes.status();
    const uint64_t offset = sector * block_size;
    const uint16_t id = TagIdentifierOf(*bytes);
    // 3/8.4.2: a sequence ends at a Terminating Descriptor or an unrecorded (zero) sector.
    if (id == 0 &&
        std::all_of(bytes->begin(), bytes->end(), [](std::byte b) { return b == std::byte{0}; })) {
      return absl::OkStatus();
    }
    auto tag_ok =
        CheckDescriptorTag(*bytes, id, static_cast<uint32_t>(sector), "volume descriptor", offset);
    if (!tag_ok.ok()) return tag_ok;
    switch (id) {
      case kTerminatingDescriptor:
        return absl::OkStatus();
      case kVolumeDescriptorPointer: {
        if (++hops > kMaxSequencePointers) {
          return absl::DataLossError(absl::StrCat("UDF volume descriptor pointer at byte ", offset,
                                                  ": more than ", kMaxSequencePointers, " hops"));
        }
        const auto vdp = StructAt<VolumeDescriptorPointer>(*bytes, 0);
        sector = uint64_t{vdp.next_volume_descriptor_sequence.extent_location.Get()} - 1;
        sectors = vdp.next_volume_descriptor_sequence.extent_length.Get() / block_size + 1;
        break;
      }
      case kPartitionDescriptor: {
        const auto pd = StructAt<PartitionDescriptor>(*bytes, 0);
        const uint32_t number = pd.volume_descriptor_sequence_number.Get();
        auto& slot = out.partition_by_number[static_cast<uint16_t>(pd.partition_number.Get())];
        if (slot.first <= number) slot = {number, pd};
        break;
      }
      case kLogicalVolumeDescriptor: {
        const auto lvd = StructAt<LogicalVolumeDescriptor>(*bytes, 0);
        const uint32_t number = lvd.volume_descriptor_sequence_number.Get();
        if (!out.logical_volume || out.logical_volume_sequence_number <= number) {
          out.logical_volume = std::move(*bytes);
          out.logical_volume_sequence_number = number;
          out.logical_volume_offset = offset;
        }
        break;
      }
      default:  // Primary, Implementation Use, Unallocated Space: not needed to find files
        break;
    }
  }
  return absl::OkStatus();
}

// 3/10.6, 3/10.7: the logical volume's block size, identifier and partition maps.
absl::Status ReadPartitionMaps(const SequenceContents& seq, uint32_t block_size,
                               LogicalVolume& lv) {
  const auto& bytes = *seq.logical_volume;
  const uint64_t offset = seq.logical_volume_offset;
  const auto lvd = StructAt<LogicalVolumeDescriptor>(bytes, 0);
  const auto fail = [&](const std::string& why) {
    return absl::DataLossError(
        absl::StrCat("UDF logical volume descriptor at byte ", offset, ": ", why));
  };
  if (lvd.logical_block_size.Get() != block_size) {
    return fail(absl::StrCat("logical block size ", lvd.logical_block_size.Get(),
                             " differs from the sector size ", block_size,
                             " (OSTA UDF 2.2.4.2 requires them equal)"));
  }
  auto name = DecodeDstring(std::span(lvd.logical_volume_identifier));
  if (!name.ok()) return fail(absl::StrCat("logical volume identifier: ", name.status().message()));
  lv.volume_id = *name;
  const uint64_t table_length = lvd.map_table_length.Get();
  if (table_length > bytes.size() - sizeof(lvd)) {
    return fail(absl::StrCat("partition map table of ", table_length, " bytes reaches past the ",
                             bytes.size(), "-byte descriptor"));
  }
  const uint64_t count = lvd.number_of_partition_maps.Get();
  uint64_t at = sizeof(lvd);
  const uint64_t end = sizeof(lvd) + table_length;
  for (uint64_t i = 0; i < count; ++i) {
    if (end - at < 2) return fail(absl::StrCat("partition map ", i, " lies past the table"));
    const uint8_t type = static_cast<uint8_t>(bytes[at]);
    const uint8_t length = static_cast<uint8_t>(bytes[at + 1]);
    if (length < 2 || length > end - at) {
      return fail(absl::StrCat("partition map ", i, " at byte ", offset + at, " has length ",
                               static_cast<int>(length)));
    }
    lv.map_types.push_back(type);
    if (type == 1 && length == sizeof(Type1PartitionMap)) {
      const auto map = StructAt<Type1PartitionMap>(bytes, at);
      const uint16_t number = static_cast<uint16_t>(map.partition_number.Get());
      auto pd = seq.partition_by_number.find(number);
      if (pd == seq.partition_by_number.end()) {
        return fail(absl::StrCat("partition map ", i, " names partition ", number,
                                 ", which no partition descriptor describes"));
      }
      const PartitionDescriptor& desc = pd->second.second;
      lv.maps.push_back(Partition{number,
                                  static_cast<uint32_t>(desc.partition_starting_location.Get()),
                                  static_cast<uint32_t>(desc.partition_length.Get())});
    } else {
      lv.maps.push_back(std::nullopt);  // type 2: virtual, sparable or metadata partition
    }
    at += length;
  }
  return absl::OkStatus();
}

// 2/9.1: does the recognition sequence name an NSR descriptor? Each descriptor takes 2048
// bytes, or a whole sector when sectors are larger (2/8.4, so 4096 on 4Kn disks).
bool RecognitionNamesNsr(ImageReader& reader) {
  for (uint64_t step : {2048u, 4096u}) {
    if (RecognitionNamesNsr(reader, step)) return true;
  }
  return false;
}

bool RecognitionNamesNsr(ImageReader& reader, uint64_t step) {
  for (int i = 0; i < kMaxRecognitionDescriptors; ++i) {
    VolumeStructureDescriptor d;
    if (!reader.Read(kRecognitionStart + step * i, std::as_writable_bytes(std::span(&d, 1))).ok()) {
      return false;
    }
    const std::string id(d.standard_identifier, 5);
    if (id == "NSR02" || id == "NSR03") return true;
    if (id != "BEA01" && id != "CD001" && id != "BOOT2" && id != "CDW02") return false;
  }
  return false;
}

}  // namespace

absl::StatusOr<uint64_t> LogicalVolume::ByteOffset(uint16_t ref, uint32_t block, uint64_t length,
                                                   const std::string& what) const {
  if (ref >= maps.size()) {
    return absl::DataLossError(absl::StrCat(what, ": partition reference ", ref, " of ",
                                            maps.size(), " partition map(s)"));
  }
  if (!maps[ref]) {
    return absl::UnimplementedError(absl::StrCat(
        what, ": lies in a partition of map type ", map_types[ref],
        " (virtual, sparable or metadata partition, UDF 1.50+), which this reader does not read"));
  }
  const Partition& p = *maps[ref];
  const uint64_t blocks = (length + block_size - 1) / block_size;
  if (block > p.length_blocks || blocks > p.length_blocks - block) {
    return absl::DataLossError(absl::StrCat(what, ": ", length, " bytes at block ", block,
                                            " leave partition ", p.number, " (", p.length_blocks,
                                            " blocks)"));
  }
  return (uint64_t{p.start_sector} + block) * block_size;
}

int64_t ToUnixTime(const Timestamp& t) {
  // Days from the civil date (proleptic Gregorian), then 1/7.3.1's time zone in minutes.
  const int64_t year = static_cast<int16_t>(t.year.Get());
  const int month = t.month >= 1 && t.month <= 12 ? t.month : 1;
  const int day = t.day >= 1 && t.day <= 31 ? t.day : 1;
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  int64_t seconds = days * 86400 + (t.hour % 24) * 3600 + (t.minute % 60) * 60 + t.second % 60;
  const uint16_t type_and_zone = static_cast<uint16_t>(t.type_and_timezone.Get());
  int zone = type_and_zone & 0x0FFF;
  if (zone & 0x0800) zone -= 0x1000;  // 12-bit two's complement
  if ((type_and_zone >> 12) == 1 && zone >= -1440 && zone <= 1440) seconds -= int64_t{zone} * 60;
  return seconds;
}

absl::StatusOr<LogicalVolume> ReadLogicalVolume(ImageReader& reader) {
  if (!RecognitionNamesNsr(reader)) {
    return absl::InvalidArgumentError(
        "no UDF volume: the recognition sequence from byte 32768 names no NSR02/NSR03");
  }
  // The sector size is not recorded anywhere but in the anchor's own location: try the sizes
  // media use (an image of a disc: 2048; mkudffs on disks: 512 or 4096).
  std::optional<AnchorVolumeDescriptorPointer> anchor;
  uint32_t block_size = 0;
  absl::Status first_error;
  for (uint32_t size : {2048u, 512u, 4096u, 1024u}) {
    auto bytes = reader.ReadRange(uint64_t{kAnchorSector} * size, 512);
    if (!bytes.ok()) continue;
    auto ok =
        CheckDescriptorTag(*bytes, kAnchorVolumeDescriptorPointer, kAnchorSector,
                           "anchor volume descriptor pointer", uint64_t{kAnchorSector} * size);
    if (ok.ok()) {
      anchor = StructAt<AnchorVolumeDescriptorPointer>(*bytes, 0);
      block_size = size;
      break;
    }
    if (first_error.ok()) first_error = ok;
  }
  if (!anchor) {
    return absl::DataLossError(absl::StrCat(
        "no UDF anchor volume descriptor pointer at sector 256 (byte 524288 for 2048-byte "
        "sectors; also tried 512, 4096 and 1024)",
        first_error.ok() ? "" : absl::StrCat(": ", first_error.message())));
  }
  // 3/8.4.2.2: the reserve sequence stands in when the main one cannot be read.
  SequenceContents seq;
  absl::Status main =
      ReadSequence(reader, block_size, anchor->main_volume_descriptor_sequence, seq);
  if (!main.ok() || !seq.logical_volume) {
    SequenceContents reserve;
    absl::Status r =
        ReadSequence(reader, block_size, anchor->reserve_volume_descriptor_sequence, reserve);
    if (r.ok() && reserve.logical_volume) {
      seq = std::move(reserve);
    } else if (!main.ok()) {
      return main;
    } else {
      return absl::DataLossError(absl::StrCat(
          "UDF volume descriptor sequence at byte ",
          uint64_t{anchor->main_volume_descriptor_sequence.extent_location.Get()} * block_size,
          ": no logical volume descriptor"));
    }
  }
  LogicalVolume lv;
  lv.block_size = block_size;
  if (auto s = ReadPartitionMaps(seq, block_size, lv); !s.ok()) return s;

  // 4/14.1: the File Set Descriptor the logical volume points at (OSTA UDF 2.2.4.4).
  const auto lvd = StructAt<LogicalVolumeDescriptor>(*seq.logical_volume, 0);
  const LongAd fsd_at = lvd.file_set_descriptor_location;
  const uint32_t fsd_block = fsd_at.extent_location.logical_block_number.Get();
  auto fsd_offset =
      lv.ByteOffset(static_cast<uint16_t>(fsd_at.extent_location.partition_reference_number.Get()),
                    fsd_block, block_size, "UDF file set descriptor");
  if (!fsd_offset.ok()) return fsd_offset.status();
  auto fsd_bytes = reader.ReadRange(*fsd_offset, block_size);
  if (!fsd_bytes.ok()) return fsd_bytes.status();
  if (auto s = CheckDescriptorTag(*fsd_bytes, kFileSetDescriptor, fsd_block, "file set descriptor",
                                  *fsd_offset);
      !s.ok()) {
    return s;
  }
  lv.root_directory_icb = StructAt<FileSetDescriptor>(*fsd_bytes, 0).root_directory_icb;
  return lv;
}

}  // namespace internal

bool HasUdfRecognition(device::Target& target) {
  internal::ImageReader reader(target);
  return internal::RecognitionNamesNsr(reader);
}

}  // namespace mediaforge::udf
