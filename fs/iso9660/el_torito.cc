#include "fs/iso9660/el_torito.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "fs/iso9660/on_disk.h"

namespace mediaforge::iso9660 {
namespace {

SectionEntry EntryFor(const BootImageSpec& spec) {
  SectionEntry e{};
  e.boot_indicator = kBootable;
  e.media_type = 0;  // no emulation
  e.load_segment.Set(0);
  e.system_type = 0;
  e.sector_count.Set(spec.sector_count);
  e.load_rba.Set(spec.load_lba);
  return e;
}

}  // namespace

std::vector<std::byte> BuildBootCatalog(const std::vector<BootImageSpec>& images) {
  std::vector<std::byte> out(kBlockSize);
  if (images.empty()) return out;
  ValidationEntry v{};
  v.header_id = 1;
  v.platform_id = images.front().platform_id;
  v.key_55 = 0x55;
  v.key_aa = 0xAA;
  uint16_t sum = 0;
  const uint8_t* raw = reinterpret_cast<const uint8_t*>(&v);
  // clang-analyzer calls raw[i + 1] garbage: a false positive, v{} zeroes all 32 bytes (no
  // padding: static_assert in on_disk.h) and it does not follow them through the byte pointer.
  for (size_t i = 0; i < sizeof v; i += 2)
    // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): see above
    sum = static_cast<uint16_t>(sum + (raw[i] | raw[i + 1] << 8));
  v.checksum.Set(static_cast<uint16_t>(0x10000 - sum));
  std::byte* p = out.data();
  std::memcpy(p, &v, sizeof v);
  SectionEntry initial = EntryFor(images.front());
  std::memcpy(p + 32, &initial, sizeof initial);
  size_t pos = 64;
  for (size_t i = 1; i < images.size(); ++i) {
    SectionHeaderEntry h{};
    h.header_indicator = i + 1 == images.size() ? kLastSectionHeader : kMoreSectionHeaders;
    h.platform_id = images[i].platform_id;
    h.entry_count.Set(1);
    std::memcpy(p + pos, &h, sizeof h);
    SectionEntry e = EntryFor(images[i]);
    std::memcpy(p + pos + 32, &e, sizeof e);
    pos += 64;
  }
  return out;
}

uint16_t EfiSectorCount(uint64_t bytes) {
  uint64_t sectors = (bytes + 511) / 512;
  return sectors > 0xFFFF ? 0 : static_cast<uint16_t>(sectors);
}

uint32_t BootInfoChecksum(std::span<const std::byte> image) {
  uint32_t sum = 0;
  for (size_t i = 64; i < image.size(); i += 4) {
    uint32_t word = 0;
    for (size_t k = 0; k < 4 && i + k < image.size(); ++k) {
      word |= static_cast<uint32_t>(image[i + k]) << (8 * k);
    }
    sum += word;
  }
  return sum;
}

absl::Status PatchBootInfoTable(std::vector<std::byte>& image, uint32_t pvd_lba, uint32_t image_lba,
                                const std::string& name) {
  if (image.size() < 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": ", image.size(), " bytes is too small for a boot information table (byte 8-63)"));
  }
  BootInfoTable t{};
  t.pvd_lba.Set(pvd_lba);
  t.boot_file_lba.Set(image_lba);
  t.boot_file_length.Set(image.size());
  t.checksum.Set(BootInfoChecksum(image));
  std::memcpy(image.data() + kBootInfoTableOffset, &t, sizeof t);
  return absl::OkStatus();
}

absl::Status PatchGrub2BootInfo(std::vector<std::byte>& image, uint32_t image_lba,
                                const std::string& name) {
  if (image.size() < kGrub2BootInfoOffset + 8) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": ", image.size(), " bytes is too small for GRUB2 boot info (needs byte ",
        kGrub2BootInfoOffset, "-", kGrub2BootInfoOffset + 7, "); is it a GRUB eltorito image?"));
  }
  Le64 sector;
  sector.Set(uint64_t{image_lba} * 4 + 5);
  std::memcpy(image.data() + kGrub2BootInfoOffset, &sector, sizeof sector);
  return absl::OkStatus();
}

}  // namespace mediaforge::iso9660
