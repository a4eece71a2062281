// ECMA-119 9.4 / 6.9: the path tables of a hierarchy, one record per directory in hierarchy
// order; the L table stores numbers little-endian, the M table big-endian.
#pragma once

#include <cstdint>
#include <vector>

#include "fs/iso9660/hierarchy.h"

namespace mediaforge::iso9660 {

// Bytes of one path table (what the volume descriptor records at 8.4.14).
uint32_t PathTableSize(const Hierarchy& hierarchy);

// Blocks one table occupies.
inline uint32_t PathTableBlocks(const Hierarchy& hierarchy) {
  return (PathTableSize(hierarchy) + kBlockSize - 1) / kBlockSize;
}

// Both tables, each padded to whole blocks; call after Hierarchy::AssignLbas.
struct PathTables {
  std::vector<std::byte> l_table;
  std::vector<std::byte> m_table;
};
PathTables BuildPathTables(const Hierarchy& hierarchy);

}  // namespace mediaforge::iso9660
