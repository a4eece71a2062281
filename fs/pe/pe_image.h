// One PE/COFF reader (Microsoft "PE Format") for UEFI executables: machine type, subsystem,
// sections, data directories and where the Authenticode certificate table sits. Used by
// `create`'s architecture check and by the Secure Boot audit (authenticode.h,
// secure_boot_audit.h). Works on bytes already in memory; every offset and size read from the
// image is checked against the buffer, so hostile input yields an error naming the field and its
// byte offset, never a crash or an unbounded allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mediaforge::pe {

// "Machine Types": the four UEFI architectures; anything else is kOther (raw value kept).
enum class Machine { kOther, kI386, kX64, kArm64, kArm };

// "x86", "x64", "arm64", "arm", or "unknown".
const char* MachineName(Machine machine);

// The machine a removable-media default loader name stands for (UEFI 2.x, 3.5.1.1
// "Removable Media Boot Behavior"): "BOOTX64.EFI" -> kX64, "BOOTIA32.EFI" -> kI386,
// "BOOTAA64.EFI" -> kArm64, "BOOTARM.EFI" -> kArm; case-insensitive, any directory prefix;
// nullopt for other names.
std::optional<Machine> DefaultLoaderMachine(absl::string_view file_name);

// "Windows Subsystem" values UEFI uses.
inline constexpr uint16_t kSubsystemEfiApplication = 10;
inline constexpr uint16_t kSubsystemEfiBootServiceDriver = 11;
inline constexpr uint16_t kSubsystemEfiRuntimeDriver = 12;
inline constexpr uint16_t kSubsystemEfiRom = 13;
// "EFI application", "EFI boot service driver", ..., or "subsystem N".
std::string SubsystemName(uint16_t subsystem);

struct PeSection {
  std::string name;  // up to 8 characters, NULs stripped
  uint32_t virtual_size = 0;
  uint32_t virtual_address = 0;
  uint32_t raw_size = 0;    // SizeOfRawData
  uint32_t raw_offset = 0;  // PointerToRawData (file offset)
  uint32_t characteristics = 0;
};

struct DataDirectory {
  uint32_t address = 0;  // RVA; a file offset for the certificate table (entry 4)
  uint32_t size = 0;
};

// Where the Authenticode signatures live: a file range holding WIN_CERTIFICATE entries.
struct CertificateTable {
  uint32_t offset = 0;  // file offset (inside the image, 8-byte aligned)
  uint32_t size = 0;
};

struct PeImage {
  Machine machine = Machine::kOther;
  uint16_t machine_raw = 0;  // IMAGE_FILE_MACHINE_* as stored
  bool pe32_plus = false;    // optional header magic 0x20B (else 0x10B)
  uint16_t subsystem = 0;
  uint32_t size_of_headers = 0;
  uint32_t address_of_entry_point = 0;
  uint64_t file_size = 0;
  std::vector<PeSection> sections;  // in section table order
  std::vector<DataDirectory> data_directories;
  std::optional<CertificateTable> certificate_table;  // absent: unsigned
  // File offsets the Authenticode digest skips (authenticode.cc): the CheckSum field (4 bytes)
  // and, when the optional header has one, the certificate table's data directory entry (8).
  uint64_t checksum_offset = 0;
  std::optional<uint64_t> certificate_entry_offset;
};

// Parses a whole image file. `name` (a path) goes into error messages.
absl::StatusOr<PeImage> ParsePeImage(std::span<const uint8_t> bytes, absl::string_view name = "");

}  // namespace mediaforge::pe
