// ECMA-119 8: the volume descriptor set - Primary (8.4), Joliet's Supplementary (8.5 with the
// UCS-2 level 3 escape sequence "%/E"), El Torito's Boot Record (8.2) and the terminator (8.3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mediaforge::iso9660 {

struct VolumeDescriptorInfo {
  std::string volume_label;
  uint32_t volume_space_blocks = 0;
  uint16_t volume_set_size = 1;
  uint16_t volume_sequence_number = 1;
  uint32_t path_table_size = 0;
  uint32_t l_path_table_lba = 0;
  uint32_t m_path_table_lba = 0;
  std::vector<std::byte> root_record;  // 34 bytes
  int64_t date = 0;
};

std::vector<std::byte> BuildPrimaryVolumeDescriptor(const VolumeDescriptorInfo& info);
std::vector<std::byte> BuildJolietVolumeDescriptor(const VolumeDescriptorInfo& info);
std::vector<std::byte> BuildBootRecordVolumeDescriptor(uint32_t boot_catalog_lba);
std::vector<std::byte> BuildVolumeDescriptorSetTerminator();

// The PVD volume identifier for a label: d-characters, at most 32.
std::string VolumeIdentifierFor(const std::string& label);

}  // namespace mediaforge::iso9660
