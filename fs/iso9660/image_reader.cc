// The volume descriptor set (ECMA-119 8) and the El Torito
// boot catalog (El Torito 1.0 2.x).
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fs/iso9660/reader_internal.h"

namespace mediaforge::iso9660::internal {

std::string Hex(uint64_t v) { return absl::StrFormat("0x%x", v); }

int64_t ToUnixTime(const RecordingDateTime& t) {
  std::tm tm{};
  tm.tm_year = t.years_since_1900;
  tm.tm_mon = t.month >= 1 && t.month <= 12 ? t.month - 1 : 0;
  tm.tm_mday = t.day >= 1 && t.day <= 31 ? t.day : 1;
  tm.tm_hour = t.hour % 24;
  tm.tm_min = t.minute % 60;
  tm.tm_sec = t.second % 61;
  int64_t offset_minutes = 15 * static_cast<int64_t>(t.gmt_offset_quarter_hours);
  return static_cast<int64_t>(timegm(&tm)) - offset_minutes * 60;
}

DescriptorSet ReadDescriptors(ImageReader& reader, std::vector<Problem>& problems) {
  DescriptorSet set;
  // ECMA-119 6.7.1: descriptors from block 16 until the terminator; 64 is far more than any
  // real image has.
  for (uint32_t i = 0; i < 64; ++i) {
    uint64_t offset = uint64_t{kFirstDescriptorBlock + i} * kBlockSize;
    auto d = ReadStruct<PrimaryVolumeDescriptor>(reader, offset);
    if (!d) {
      problems.push_back(
          {"volume descriptor set", offset, "ends before a terminator (the image is too short)"});
      return set;
    }
    if (std::memcmp(d->standard_identifier, kStandardIdentifier, 5) != 0) {
      problems.push_back({"volume descriptor set", offset,
                          "block without the standard identifier CD001 before a terminator"});
      return set;
    }
    if (d->version != 1 && d->type != kTerminatorType) {
      problems.push_back({absl::StrCat("volume descriptor type ", d->type), offset + 6,
                          absl::StrCat("version ", d->version, ", expected 1")});
    }
    switch (d->type) {
      case kPrimaryType:
        if (!set.primary) {
          set.primary = *d;
          set.primary_offset = offset;
        }
        break;
      case kSupplementaryType:
        // Joliet: escape sequence %/@, %/C or %/E (UCS-2 levels 1-3).
        if (!set.joliet && d->escape_sequences[0] == '%' && d->escape_sequences[1] == '/' &&
            (d->escape_sequences[2] == '@' || d->escape_sequences[2] == 'C' ||
             d->escape_sequences[2] == 'E')) {
          set.joliet = *d;
          set.joliet_offset = offset;
        }
        break;
      case kBootRecordType: {
        BootRecordVolumeDescriptor b;
        std::memcpy(&b, &*d, sizeof b);
        if (!set.boot &&
            std::memcmp(b.boot_system_identifier, "EL TORITO SPECIFICATION", 23) == 0) {
          set.boot = b;
          set.boot_offset = offset;
        }
        break;
      }
      case kTerminatorType:
        set.terminated = true;
        return set;
      default:
        break;
    }
  }
  problems.push_back({"volume descriptor set", uint64_t{kFirstDescriptorBlock} * kBlockSize,
                      "no terminator within 64 descriptors"});
  return set;
}

std::optional<RootLocation> RootOf(const PrimaryVolumeDescriptor& d, uint64_t d_offset,
                                   std::vector<Problem>& problems, const std::string& where) {
  DirectoryRecord r;
  std::memcpy(&r, d.root_directory_record, sizeof r);
  uint64_t at = d_offset + offsetof(PrimaryVolumeDescriptor, root_directory_record);
  if (r.length < 34 || !(r.flags & kFlagDirectory)) {
    problems.push_back({where, at, "root directory record is malformed"});
    return std::nullopt;
  }
  if (!r.extent_lba.Consistent() || !r.data_length.Consistent()) {
    problems.push_back({where, at, "root directory record: both-endian fields disagree"});
  }
  return RootLocation{static_cast<uint32_t>(r.extent_lba.Get()),
                      static_cast<uint32_t>(r.data_length.Get())};
}

namespace {

ElToritoBootEntry ToEntry(const SectionEntry& e, uint8_t platform, uint64_t offset) {
  ElToritoBootEntry b;
  b.platform_id = platform;
  b.bootable = e.boot_indicator == kBootable;
  b.media_type = e.media_type;
  b.load_segment = static_cast<uint16_t>(e.load_segment.Get());
  b.sector_count = static_cast<uint16_t>(e.sector_count.Get());
  b.load_lba = static_cast<uint32_t>(e.load_rba.Get());
  b.entry_offset = offset;
  return b;
}

void CheckEntry(const SectionEntry& e, uint64_t offset, uint32_t volume_blocks,
                const std::string& where, std::vector<Problem>& problems) {
  if (e.boot_indicator != kBootable && e.boot_indicator != 0) {
    problems.push_back(
        {where, offset,
         absl::StrCat("boot indicator ", Hex(e.boot_indicator), ", expected 0x88 or 0x00")});
  }
  if ((e.media_type & 0x0F) > 4) {
    problems.push_back({where, offset + 1, absl::StrCat("media type ", Hex(e.media_type))});
  }
  uint64_t lba = e.load_rba.Get();
  if (lba >= volume_blocks) {
    problems.push_back(
        {where, offset + 8,
         absl::StrCat("load block ", lba, " is outside the volume (", volume_blocks, " blocks)")});
  }
  uint64_t end = lba * kBlockSize + e.sector_count.Get() * 512ull;
  if (end > uint64_t{volume_blocks} * kBlockSize) {
    problems.push_back({where, offset + 6,
                        absl::StrCat("sector count ", e.sector_count.Get(),
                                     " reaches past the end of the volume")});
  }
}

}  // namespace

std::vector<ElToritoBootEntry> ReadBootCatalog(ImageReader& reader, uint32_t catalog_lba,
                                               uint32_t volume_blocks,
                                               std::vector<Problem>& problems) {
  std::vector<ElToritoBootEntry> entries;
  uint64_t base = uint64_t{catalog_lba} * kBlockSize;
  if (catalog_lba >= volume_blocks) {
    problems.push_back({"El Torito boot record", std::nullopt,
                        absl::StrCat("boot catalog block ", catalog_lba, " is outside the volume (",
                                     volume_blocks, " blocks)")});
    return entries;
  }
  auto block = reader.ReadRange(base, kBlockSize);
  if (!block.ok()) {
    problems.push_back({"El Torito boot catalog", base, std::string(block.status().message())});
    return entries;
  }
  const std::byte* p = block->data();
  ValidationEntry v;
  std::memcpy(&v, p, sizeof v);
  uint16_t sum = 0;
  for (size_t i = 0; i < 32; i += 2) {
    sum = static_cast<uint16_t>(sum +
                                (static_cast<uint8_t>(p[i]) | static_cast<uint8_t>(p[i + 1]) << 8));
  }
  if (v.header_id != 1 || v.key_55 != 0x55 || v.key_aa != 0xAA) {
    problems.push_back(
        {"El Torito validation entry", base, "header id is not 1 or the key bytes are not 55 AA"});
    return entries;
  }
  if (sum != 0) {
    problems.push_back({"El Torito validation entry", base + 28,
                        absl::StrCat("checksum does not sum to zero (sum ", Hex(sum), ")")});
  }
  SectionEntry initial;
  std::memcpy(&initial, p + 32, sizeof initial);
  CheckEntry(initial, base + 32, volume_blocks, "El Torito initial entry", problems);
  entries.push_back(ToEntry(initial, v.platform_id, base + 32));
  // Section headers (0x90 more follow, 0x91 last) each followed by their entries.
  size_t pos = 64;
  bool last = false;
  while (!last && pos + 32 <= kBlockSize) {
    SectionHeaderEntry h;
    std::memcpy(&h, p + pos, sizeof h);
    if (h.header_indicator != kMoreSectionHeaders && h.header_indicator != kLastSectionHeader) {
      break;  // no further sections
    }
    last = h.header_indicator == kLastSectionHeader;
    uint64_t count = h.entry_count.Get();
    pos += 32;
    for (uint64_t k = 0; k < count; ++k) {
      if (pos + 32 > kBlockSize) {
        problems.push_back({"El Torito section header", base + pos - 32 * (k + 1),
                            absl::StrCat("announces ", count, " entries; the catalog block ends")});
        return entries;
      }
      SectionEntry e;
      std::memcpy(&e, p + pos, sizeof e);
      std::string where = absl::StrCat("El Torito section entry ", entries.size() + 1);
      CheckEntry(e, base + pos, volume_blocks, where, problems);
      entries.push_back(ToEntry(e, h.platform_id, base + pos));
      pos += 32;
      // Extension entries (0x44) continue a section entry; skip them.
      while (pos + 32 <= kBlockSize && static_cast<uint8_t>(p[pos]) == 0x44) pos += 32;
    }
  }
  return entries;
}

}  // namespace mediaforge::iso9660::internal
