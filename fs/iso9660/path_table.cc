#include "fs/iso9660/path_table.h"

#include <cstring>

namespace mediaforge::iso9660 {
namespace {

uint32_t RecordLength(const DirectoryPlan& d) {
  uint32_t n = sizeof(PathTableRecord) + static_cast<uint32_t>(d.identifier.size());
  return n + (d.identifier.size() % 2);  // 9.4.6: pad to an even length
}

void WriteRecord(const DirectoryPlan& d, bool big_endian, std::byte* dst) {
  PathTableRecord r{};
  r.name_length = static_cast<uint8_t>(d.identifier.size());
  uint32_t lba = d.lba;
  uint16_t parent = d.parent->number;
  for (int i = 0; i < 4; ++i) {
    int shift = big_endian ? 8 * (3 - i) : 8 * i;
    r.extent_lba[i] = static_cast<uint8_t>(lba >> shift);
  }
  r.parent_number[big_endian ? 1 : 0] = static_cast<uint8_t>(parent & 0xFF);
  r.parent_number[big_endian ? 0 : 1] = static_cast<uint8_t>(parent >> 8);
  std::memcpy(dst, &r, sizeof r);
  std::memcpy(dst + sizeof r, d.identifier.data(), d.identifier.size());
}

}  // namespace

uint32_t PathTableSize(const Hierarchy& hierarchy) {
  uint32_t size = 0;
  for (const auto& d : hierarchy.directories()) size += RecordLength(*d);
  return size;
}

PathTables BuildPathTables(const Hierarchy& hierarchy) {
  PathTables t;
  size_t bytes = size_t{PathTableBlocks(hierarchy)} * kBlockSize;
  t.l_table.assign(bytes, std::byte{0});
  t.m_table.assign(bytes, std::byte{0});
  size_t pos = 0;
  for (const auto& d : hierarchy.directories()) {
    WriteRecord(*d, false, t.l_table.data() + pos);
    WriteRecord(*d, true, t.m_table.data() + pos);
    pos += RecordLength(*d);
  }
  return t;
}

}  // namespace mediaforge::iso9660
