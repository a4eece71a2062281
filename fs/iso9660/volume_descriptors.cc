#include "fs/iso9660/volume_descriptors.h"

#include <cstring>

#include "fs/iso9660/names.h"
#include "fs/iso9660/on_disk.h"
#include "fs/iso9660/timestamps.h"

namespace mediaforge::iso9660 {
namespace {

constexpr char kApplication[] = "MEDIAFORGE";

template <typename T>
std::vector<std::byte> ToBytes(const T& value) {
  std::vector<std::byte> out(sizeof value);
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

// Joliet text fields: UCS-2 big-endian, padded with UCS-2 spaces; an odd trailing byte is 0.
template <size_t kN>
void SetUcs2Text(char (&field)[kN], const std::string& utf8) {
  std::u16string units = Utf8ToUtf16(utf8);
  for (size_t i = 0; i + 1 < kN; i += 2) {
    char16_t u = i / 2 < units.size() ? units[i / 2] : u' ';
    field[i] = static_cast<char>(u >> 8);
    field[i + 1] = static_cast<char>(u & 0xFF);
  }
  if (kN % 2) field[kN - 1] = 0;
}

void FillCommon(const VolumeDescriptorInfo& info, uint8_t type, PrimaryVolumeDescriptor& d) {
  d.type = type;
  std::memcpy(d.standard_identifier, kStandardIdentifier, 5);
  d.version = 1;
  d.volume_space_size.Set(info.volume_space_blocks);
  d.volume_set_size.Set(info.volume_set_size);
  d.volume_sequence_number.Set(info.volume_sequence_number);
  d.logical_block_size.Set(kBlockSize);
  d.path_table_size.Set(info.path_table_size);
  d.l_path_table_lba.Set(info.l_path_table_lba);
  d.m_path_table_lba.Set(info.m_path_table_lba);
  std::memcpy(d.root_directory_record, info.root_record.data(),
              std::min<size_t>(info.root_record.size(), sizeof d.root_directory_record));
  d.creation = ToVolumeDateTime(info.date);
  d.modification = ToVolumeDateTime(info.date);
  d.expiration = UnspecifiedVolumeDateTime();
  d.effective = ToVolumeDateTime(info.date);
  d.file_structure_version = 1;
}

}  // namespace

std::string VolumeIdentifierFor(const std::string& label) { return ToDCharacters(label, 32); }

std::vector<std::byte> BuildPrimaryVolumeDescriptor(const VolumeDescriptorInfo& info) {
  PrimaryVolumeDescriptor d{};
  FillCommon(info, kPrimaryType, d);
  std::string volume_id = VolumeIdentifierFor(info.volume_label);
  SetPaddedText(d.system_identifier, "", 0);
  SetPaddedText(d.volume_identifier, volume_id.data(), volume_id.size());
  SetPaddedText(d.volume_set_identifier, volume_id.data(), volume_id.size());
  SetPaddedText(d.publisher_identifier, "", 0);
  SetPaddedText(d.data_preparer_identifier, "", 0);
  SetPaddedText(d.application_identifier, kApplication, sizeof kApplication - 1);
  SetPaddedText(d.copyright_file_identifier, "", 0);
  SetPaddedText(d.abstract_file_identifier, "", 0);
  SetPaddedText(d.bibliographic_file_identifier, "", 0);
  return ToBytes(d);
}

std::vector<std::byte> BuildJolietVolumeDescriptor(const VolumeDescriptorInfo& info) {
  SupplementaryVolumeDescriptor d{};
  FillCommon(info, kSupplementaryType, d);
  d.escape_sequences[0] = '%';  // UCS-2 level 3 (Joliet)
  d.escape_sequences[1] = '/';
  d.escape_sequences[2] = 'E';
  SetUcs2Text(d.system_identifier, "");
  SetUcs2Text(d.volume_identifier, info.volume_label);
  SetUcs2Text(d.volume_set_identifier, info.volume_label);
  SetUcs2Text(d.publisher_identifier, "");
  SetUcs2Text(d.data_preparer_identifier, "");
  SetUcs2Text(d.application_identifier, kApplication);
  SetUcs2Text(d.copyright_file_identifier, "");
  SetUcs2Text(d.abstract_file_identifier, "");
  SetUcs2Text(d.bibliographic_file_identifier, "");
  return ToBytes(d);
}

std::vector<std::byte> BuildBootRecordVolumeDescriptor(uint32_t boot_catalog_lba) {
  BootRecordVolumeDescriptor d{};
  d.type = kBootRecordType;
  std::memcpy(d.standard_identifier, kStandardIdentifier, 5);
  d.version = 1;
  static constexpr char kElTorito[] = "EL TORITO SPECIFICATION";
  SetPaddedText(d.boot_system_identifier, kElTorito, sizeof kElTorito - 1, '\0');
  d.boot_catalog_lba.Set(boot_catalog_lba);
  return ToBytes(d);
}

std::vector<std::byte> BuildVolumeDescriptorSetTerminator() {
  VolumeDescriptorSetTerminator d{};
  d.type = kTerminatorType;
  std::memcpy(d.standard_identifier, kStandardIdentifier, 5);
  d.version = 1;
  return ToBytes(d);
}

}  // namespace mediaforge::iso9660
