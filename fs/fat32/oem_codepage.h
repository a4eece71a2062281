// Short names written by other tools may hold OEM code page bytes (0x80-0xFF). The reader shows
// them as Unicode through code page 437 (the IBM PC set; Linux's vfat default). mediaforge never
// writes such bytes: names outside ASCII always get a long name.
#pragma once

#include <cstdint>

namespace mediaforge::fat32 {

// The Unicode character of a code page 437 byte (ASCII below 0x80).
char16_t Cp437ToUnicode(uint8_t byte);

}  // namespace mediaforge::fat32
