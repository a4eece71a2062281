// On-disk structures of a PE/COFF image (Microsoft "PE Format" specification), one packed struct
// per structure, named after the clause that defines it. All fields are little-endian;
// mediaforge only builds for little-endian hosts (checked below). Structures are only ever
// memcpy'd out of a bounds-checked byte range, never cast in place.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace mediaforge::pe {

static_assert(std::endian::native == std::endian::little,
              "the PE structures are read as little-endian memory images");

// "MS-DOS Stub (Image Only)": the MS-DOS header; only e_magic and e_lfanew matter to UEFI.
struct [[gnu::packed]] DosHeader {
  char e_magic[2];  // "MZ"
  uint8_t unused[58];
  uint32_t e_lfanew;  // file offset of the "PE\0\0" signature (offset 0x3C)
};
static_assert(sizeof(DosHeader) == 64);

// "COFF File Header (Object and Image)", right after the 4-byte "PE\0\0" signature.
struct [[gnu::packed]] CoffFileHeader {
  uint16_t machine;  // IMAGE_FILE_MACHINE_*
  uint16_t number_of_sections;
  uint32_t time_date_stamp;
  uint32_t pointer_to_symbol_table;
  uint32_t number_of_symbols;
  uint16_t size_of_optional_header;
  uint16_t characteristics;
};
static_assert(sizeof(CoffFileHeader) == 20);

// The optional header's fields that PE32 and PE32+ lay out alike. "Optional Header Standard
// Fields" up to BaseOfCode (offsets 0-23):
struct [[gnu::packed]] OptionalHeaderStandard {
  uint16_t magic;
  uint8_t major_linker_version;
  uint8_t minor_linker_version;
  uint32_t size_of_code;
  uint32_t size_of_initialized_data;
  uint32_t size_of_uninitialized_data;
  uint32_t address_of_entry_point;
  uint32_t base_of_code;
};
static_assert(sizeof(OptionalHeaderStandard) == 24);

// "Optional Header Windows-Specific Fields" from SectionAlignment to DllCharacteristics
// (offsets 32-71, after an ImageBase of either width).
struct [[gnu::packed]] OptionalHeaderWindows {
  uint32_t section_alignment;
  uint32_t file_alignment;
  uint16_t major_operating_system_version;
  uint16_t minor_operating_system_version;
  uint16_t major_image_version;
  uint16_t minor_image_version;
  uint16_t major_subsystem_version;
  uint16_t minor_subsystem_version;
  uint32_t win32_version_value;
  uint32_t size_of_image;
  uint32_t size_of_headers;
  uint32_t check_sum;  // offset 64: skipped by the Authenticode digest
  uint16_t subsystem;
  uint16_t dll_characteristics;
};
static_assert(sizeof(OptionalHeaderWindows) == 40);

// The whole fixed part, PE32 (magic 0x10B). The data directories follow at offset 96.
struct [[gnu::packed]] OptionalHeader32 {
  OptionalHeaderStandard standard;
  uint32_t base_of_data;  // PE32 only
  uint32_t image_base;
  OptionalHeaderWindows windows;
  uint32_t size_of_stack_reserve;
  uint32_t size_of_stack_commit;
  uint32_t size_of_heap_reserve;
  uint32_t size_of_heap_commit;
  uint32_t loader_flags;
  uint32_t number_of_rva_and_sizes;
};
static_assert(sizeof(OptionalHeader32) == 96);

// The same for PE32+ (magic 0x20B): no BaseOfData, 64-bit ImageBase and stack/heap sizes. The
// data directories follow at offset 112.
struct [[gnu::packed]] OptionalHeader64 {
  OptionalHeaderStandard standard;
  uint64_t image_base;
  OptionalHeaderWindows windows;
  uint64_t size_of_stack_reserve;
  uint64_t size_of_stack_commit;
  uint64_t size_of_heap_reserve;
  uint64_t size_of_heap_commit;
  uint32_t loader_flags;
  uint32_t number_of_rva_and_sizes;
};
static_assert(sizeof(OptionalHeader64) == 112);

// "Optional Header Data Directories (Image Only)": an RVA and a size. Entry 4, the Certificate
// Table, holds a FILE offset instead of an RVA.
struct [[gnu::packed]] ImageDataDirectory {
  uint32_t virtual_address;
  uint32_t size;
};
static_assert(sizeof(ImageDataDirectory) == 8);

// "Section Table (Section Headers)".
struct [[gnu::packed]] SectionHeader {
  char name[8];  // NUL-padded, not necessarily NUL-terminated
  uint32_t virtual_size;
  uint32_t virtual_address;
  uint32_t size_of_raw_data;
  uint32_t pointer_to_raw_data;
  uint32_t pointer_to_relocations;
  uint32_t pointer_to_linenumbers;
  uint16_t number_of_relocations;
  uint16_t number_of_linenumbers;
  uint32_t characteristics;
};
static_assert(sizeof(SectionHeader) == 40);

// "The Attribute Certificate Table (Image Only)": WIN_CERTIFICATE header; bCertificate follows
// and the next entry starts at the next 8-byte boundary.
struct [[gnu::packed]] WinCertificateHeader {
  uint32_t length;  // dwLength: header + bCertificate
  uint16_t revision;
  uint16_t certificate_type;
};
static_assert(sizeof(WinCertificateHeader) == 8);

inline constexpr uint16_t kOptionalMagicPe32 = 0x10B;
inline constexpr uint16_t kOptionalMagicPe32Plus = 0x20B;
inline constexpr uint16_t kWinCertRevision1 = 0x0100;
inline constexpr uint16_t kWinCertRevision2 = 0x0200;
inline constexpr uint16_t kWinCertTypePkcsSignedData = 0x0002;
// Offset of CheckSum inside either optional header.
inline constexpr uint32_t kCheckSumFieldOffset = 64;
static_assert(offsetof(OptionalHeader32, windows) + offsetof(OptionalHeaderWindows, check_sum) ==
              kCheckSumFieldOffset);
static_assert(offsetof(OptionalHeader64, windows) + offsetof(OptionalHeaderWindows, check_sum) ==
              kCheckSumFieldOffset);

}  // namespace mediaforge::pe
