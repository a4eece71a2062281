#include "fs/iso9660/hybrid.h"

#include <openssl/evp.h>

#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "device/crc32.h"
#include "fs/iso9660/on_disk.h"

namespace mediaforge::iso9660 {
namespace {

constexpr uint32_t kHeads = 64;
constexpr uint32_t kSectorsPerTrack = 32;

// CHS of a 512-byte sector with the 64 heads / 32 sectors geometry isohybrid uses; past
// cylinder 1023 the maximum is recorded.
void SetChs(uint64_t lba, uint8_t chs[3]) {
  uint64_t cylinder = lba / (kHeads * kSectorsPerTrack);
  uint32_t head = static_cast<uint32_t>((lba / kSectorsPerTrack) % kHeads);
  uint32_t sector = static_cast<uint32_t>(lba % kSectorsPerTrack) + 1;
  if (cylinder > 1023) {
    cylinder = 1023;
    head = kHeads - 1;
    sector = kSectorsPerTrack;
  }
  chs[0] = static_cast<uint8_t>(head);
  chs[1] = static_cast<uint8_t>(sector | ((cylinder >> 2) & 0xC0));
  chs[2] = static_cast<uint8_t>(cylinder & 0xFF);
}

void SetPartition(MbrPartitionEntry& e, bool active, uint8_t type, uint64_t first, uint64_t count) {
  e.status = active ? 0x80 : 0x00;
  e.type = type;
  uint64_t capped = std::min<uint64_t>(count, 0xFFFFFFFFull);
  SetChs(first, e.chs_first);
  SetChs(first + capped - 1, e.chs_last);
  e.first_lba.Set(first);
  e.sector_count.Set(capped);
}

void SetName(GptPartitionEntry& e, const char* ascii) {
  for (size_t i = 0; i < 36 && ascii[i]; ++i) {
    e.partition_name[i] = static_cast<uint16_t>(static_cast<unsigned char>(ascii[i]));
  }
}

GptHeader MakeHeader(uint64_t my_lba, uint64_t alternate_lba, uint64_t entries_lba,
                     uint64_t total_sectors, const uint8_t disk_guid[16], uint32_t entries_crc) {
  GptHeader h{};
  std::memcpy(h.signature, "EFI PART", 8);
  h.revision.Set(0x00010000);
  h.header_size.Set(sizeof(GptHeader));
  h.my_lba.Set(my_lba);
  h.alternate_lba.Set(alternate_lba);
  h.first_usable_lba.Set(2 + kGptEntriesSectors);
  h.last_usable_lba.Set(total_sectors - 2 - kGptEntriesSectors);
  std::memcpy(h.disk_guid, disk_guid, 16);
  h.partition_entry_lba.Set(entries_lba);
  h.number_of_partition_entries.Set(kGptEntryCount);
  h.size_of_partition_entry.Set(sizeof(GptPartitionEntry));
  h.partition_entry_array_crc32.Set(entries_crc);
  h.header_crc32.Set(device::Crc32(std::as_bytes(std::span(&h, 1))));
  return h;
}

}  // namespace

void DeriveGuid(const std::string& seed, uint8_t out[16]) {
  // The first 16 bytes of SHA-256(seed) (OpenSSL EVP; fs/ uses nothing of the engine but the
  // layout).
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  EVP_Digest(seed.data(), seed.size(), digest, &digest_length, EVP_sha256(), nullptr);
  for (int i = 0; i < 16; ++i) out[i] = digest[i];
  out[7] = static_cast<uint8_t>((out[7] & 0x0F) | 0x40);  // version 4 (time_hi, stored LE)
  out[8] = static_cast<uint8_t>((out[8] & 0x3F) | 0x80);  // RFC 4122 variant
}

uint64_t HybridImageSize(uint64_t data_bytes, bool with_gpt) {
  uint64_t need = data_bytes + (with_gpt ? (1 + kGptEntriesSectors) * kSector : 0);
  return (need + kHybridAlignment - 1) / kHybridAlignment * kHybridAlignment;
}

absl::StatusOr<std::vector<std::byte>> ReadMbrTemplate(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the MBR template"));
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (raw.size() < 432 || raw.size() > 32768) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", raw.size(), " bytes; an MBR template has 432 to 32768 bytes"));
  }
  std::vector<std::byte> out(raw.size());
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

absl::StatusOr<HybridTables> BuildHybridTables(const HybridSpec& spec) {
  if (spec.image_bytes % kSector != 0 || spec.image_bytes < kHybridAlignment) {
    return absl::InternalError("hybrid: image size is not whole sectors");
  }
  const bool with_gpt = spec.efi_lba.has_value();
  const uint64_t total_sectors = spec.image_bytes / kSector;
  HybridTables t;
  t.head.assign(with_gpt ? (2 + kGptEntriesSectors) * kSector : kSector, std::byte{0});

  MasterBootRecord mbr{};
  if (spec.template_kind != MbrTemplateKind::kNone) {
    std::memcpy(mbr.boot_code, spec.mbr_template.data(), sizeof mbr.boot_code);
    uint64_t sector = uint64_t{spec.bios_boot_lba} * 4;
    if (spec.template_kind == MbrTemplateKind::kGrub2) sector += 4;  // skip cdboot.img
    mbr.boot_image_lba512.Set(sector);
  }
  uint8_t signature_bytes[16];
  DeriveGuid(spec.guid_seed + "/mbr", signature_bytes);
  uint32_t disk_signature;
  std::memcpy(&disk_signature, signature_bytes, 4);
  mbr.disk_signature.Set(disk_signature);
  SetPartition(mbr.partitions[0], true, with_gpt ? 0x00 : 0x17, 0, total_sectors);
  uint64_t efi_first = 0, efi_sectors = 0;
  if (with_gpt) {
    efi_first = uint64_t{*spec.efi_lba} * 4;
    efi_sectors = (spec.efi_bytes + kSector - 1) / kSector;
    if (efi_sectors == 0) return absl::InvalidArgumentError("hybrid: the EFI image is empty");
    SetPartition(mbr.partitions[1], false, 0xEF, efi_first, efi_sectors);
  }
  mbr.signature[0] = 0x55;
  mbr.signature[1] = 0xAA;
  std::memcpy(t.head.data(), &mbr, sizeof mbr);
  if (!with_gpt) return t;

  std::vector<GptPartitionEntry> entries(kGptEntryCount);
  GptPartitionEntry& esp = entries[0];
  std::memcpy(esp.partition_type_guid, kEfiSystemPartitionTypeGuid, 16);
  DeriveGuid(spec.guid_seed + "/esp", esp.unique_partition_guid);
  esp.starting_lba.Set(efi_first);
  esp.ending_lba.Set(efi_first + efi_sectors - 1);
  SetName(esp, "EFI System Partition");
  const size_t entries_bytes = entries.size() * sizeof(GptPartitionEntry);
  uint32_t entries_crc = device::Crc32(std::as_bytes(std::span(entries)).first(entries_bytes));
  uint8_t disk_guid[16];
  DeriveGuid(spec.guid_seed + "/disk", disk_guid);

  const uint64_t last = total_sectors - 1;
  const uint64_t backup_entries = last - kGptEntriesSectors;
  GptHeader primary = MakeHeader(1, last, 2, total_sectors, disk_guid, entries_crc);
  GptHeader backup = MakeHeader(last, 1, backup_entries, total_sectors, disk_guid, entries_crc);
  std::memcpy(t.head.data() + kSector, &primary, sizeof primary);
  std::memcpy(t.head.data() + 2 * kSector, entries.data(), entries_bytes);

  t.tail.assign((1 + kGptEntriesSectors) * kSector, std::byte{0});
  t.tail_offset = backup_entries * kSector;
  std::memcpy(t.tail.data(), entries.data(), entries_bytes);
  std::memcpy(t.tail.data() + entries_bytes, &backup, sizeof backup);
  return t;
}

}  // namespace mediaforge::iso9660
