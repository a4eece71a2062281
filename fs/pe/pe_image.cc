#include "fs/pe/pe_image.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fs/pe/on_disk.h"

namespace mediaforge::pe {
namespace {

// "Machine Types".
constexpr uint16_t kMachineI386 = 0x014C;
constexpr uint16_t kMachineAmd64 = 0x8664;
constexpr uint16_t kMachineArm64 = 0xAA64;
constexpr uint16_t kMachineArmThumb2 = 0x01C4;  // ARMNT: what 32-bit ARM UEFI images use
constexpr uint16_t kMachineArm = 0x01C0;

// "Optional Header Data Directories": index of the Certificate Table.
constexpr uint32_t kCertificateTableIndex = 4;
// The spec defines 16 directories; a larger count is accepted but only 16 are read.
constexpr uint32_t kMaxDataDirectories = 16;
// "COFF File Header": the Windows loader limits NumberOfSections to 96.
constexpr uint16_t kMaxSections = 96;

Machine MachineFromRaw(uint16_t raw) {
  switch (raw) {
    case kMachineI386:
      return Machine::kI386;
    case kMachineAmd64:
      return Machine::kX64;
    case kMachineArm64:
      return Machine::kArm64;
    case kMachineArmThumb2:
    case kMachineArm:
      return Machine::kArm;
    default:
      return Machine::kOther;
  }
}

// Reads a T at `offset` when the whole of it lies inside `bytes`.
template <typename T>
bool ReadStruct(std::span<const uint8_t> bytes, uint64_t offset, T* out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(out, bytes.data() + offset, sizeof(T));
  return true;
}

// The fields PE32 and PE32+ optional headers share (at the same offsets in both) into `image`;
// false when truncated.
template <typename OptionalHeader>
bool ReadOptionalHeader(std::span<const uint8_t> bytes, uint64_t offset, PeImage& image,
                        uint32_t& directory_count) {
  OptionalHeader h;
  if (!ReadStruct(bytes, offset, &h)) return false;
  image.subsystem = h.windows.subsystem;
  image.size_of_headers = h.windows.size_of_headers;
  image.address_of_entry_point = h.standard.address_of_entry_point;
  directory_count = h.number_of_rva_and_sizes;
  return true;
}

class Parser {
 public:
  Parser(std::span<const uint8_t> bytes, absl::string_view name)
      : bytes_(bytes), name_(name.empty() ? "PE image" : std::string(name)) {}

  absl::StatusOr<PeImage> Parse();

 private:
  absl::Status Error(uint64_t offset, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(name_, " @", offset, ": not a valid PE/COFF image: ", what));
  }
  absl::Status ParseOptionalHeader(uint64_t offset, uint16_t size, PeImage& image);
  absl::Status ParseSections(uint64_t offset, uint16_t count, PeImage& image);
  std::string LongSectionName(const std::string& slash_name) const;

  uint64_t string_table_offset_ = 0;  // COFF string table: after the symbol table
  absl::Status CheckCertificateTable(PeImage& image);

  std::span<const uint8_t> bytes_;
  std::string name_;
};

absl::StatusOr<PeImage> Parser::Parse() {
  PeImage image;
  image.file_size = bytes_.size();
  DosHeader dos;
  if (!ReadStruct(bytes_, 0, &dos)) {
    return Error(0, absl::StrCat("only ", bytes_.size(), " bytes, shorter than an MS-DOS header"));
  }
  if (std::memcmp(dos.e_magic, "MZ", 2) != 0) return Error(0, "no \"MZ\" signature");
  const uint64_t pe_offset = dos.e_lfanew;
  char signature[4];
  if (!ReadStruct(bytes_, pe_offset, &signature)) {
    return Error(0x3C, absl::StrCat("e_lfanew ", pe_offset, " points past the end of the file (",
                                    bytes_.size(), " bytes)"));
  }
  if (std::memcmp(signature, "PE\0\0", 4) != 0) {
    return Error(pe_offset, "no \"PE\\0\\0\" signature where e_lfanew points");
  }
  const uint64_t coff_offset = pe_offset + 4;
  CoffFileHeader coff;
  if (!ReadStruct(bytes_, coff_offset, &coff)) {
    return Error(coff_offset, "COFF file header truncated");
  }
  image.machine_raw = coff.machine;
  // "COFF String Table": right after the symbol table's 18-byte records.
  string_table_offset_ =
      uint64_t{coff.pointer_to_symbol_table} + uint64_t{coff.number_of_symbols} * 18;
  image.machine = MachineFromRaw(coff.machine);
  const uint64_t optional_offset = coff_offset + sizeof(CoffFileHeader);
  if (auto s = ParseOptionalHeader(optional_offset, coff.size_of_optional_header, image); !s.ok()) {
    return s;
  }
  if (auto s = ParseSections(optional_offset + coff.size_of_optional_header,
                             coff.number_of_sections, image);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckCertificateTable(image); !s.ok()) return s;
  return image;
}

absl::Status Parser::ParseOptionalHeader(uint64_t offset, uint16_t size, PeImage& image) {
  uint16_t magic = 0;
  if (size < sizeof(magic) || !ReadStruct(bytes_, offset, &magic)) {
    return Error(offset, "no optional header (an image needs one)");
  }
  uint32_t directory_count = 0;
  uint64_t directories_offset = 0;
  if (magic == kOptionalMagicPe32 || magic == kOptionalMagicPe32Plus) {
    image.pe32_plus = magic == kOptionalMagicPe32Plus;
    const size_t fixed = image.pe32_plus ? sizeof(OptionalHeader64) : sizeof(OptionalHeader32);
    if (size < fixed) {
      return Error(offset, absl::StrCat("SizeOfOptionalHeader ", size, " is smaller than the ",
                                        fixed, " bytes of a ", image.pe32_plus ? "PE32+" : "PE32",
                                        " optional header"));
    }
    const bool read =
        image.pe32_plus
            ? ReadOptionalHeader<OptionalHeader64>(bytes_, offset, image, directory_count)
            : ReadOptionalHeader<OptionalHeader32>(bytes_, offset, image, directory_count);
    if (!read) return Error(offset, "optional header truncated");
    directories_offset = offset + fixed;
  } else {
    return Error(offset, absl::StrFormat("optional header magic 0x%X is neither PE32 (0x10B) nor "
                                         "PE32+ (0x20B)",
                                         magic));
  }
  image.checksum_offset = offset + kCheckSumFieldOffset;
  if (image.checksum_offset + 4 > image.size_of_headers) {
    return Error(offset + 60, absl::StrCat("SizeOfHeaders ", image.size_of_headers,
                                           " ends inside the optional header"));
  }
  const uint64_t room = (offset + size - directories_offset) / sizeof(ImageDataDirectory);
  if (directory_count > room) {
    return Error(directories_offset - 4, absl::StrCat("NumberOfRvaAndSizes ", directory_count,
                                                      " does not fit in "
                                                      "SizeOfOptionalHeader ",
                                                      size));
  }
  directory_count = std::min(directory_count, kMaxDataDirectories);
  for (uint32_t i = 0; i < directory_count; ++i) {
    const uint64_t at = directories_offset + i * sizeof(ImageDataDirectory);
    ImageDataDirectory d;
    if (!ReadStruct(bytes_, at, &d)) return Error(at, "data directories truncated");
    image.data_directories.push_back({d.virtual_address, d.size});
    if (i == kCertificateTableIndex) image.certificate_entry_offset = at;
  }
  if (image.size_of_headers > bytes_.size()) {
    // SizeOfHeaders sits at offset 60 of either optional header.
    return Error(offset + 60, absl::StrCat("SizeOfHeaders ", image.size_of_headers,
                                           " is larger than the file (", bytes_.size(), " bytes)"));
  }
  return absl::OkStatus();
}

absl::Status Parser::ParseSections(uint64_t offset, uint16_t count, PeImage& image) {
  if (count > kMaxSections) {
    return Error(offset, absl::StrCat(count, " sections (the loader allows ", kMaxSections, ")"));
  }
  const uint64_t table_end = offset + uint64_t{count} * sizeof(SectionHeader);
  if (table_end > bytes_.size()) {
    return Error(offset, absl::StrCat("section table of ", count, " entries runs past the end of ",
                                      "the file (", bytes_.size(), " bytes)"));
  }
  if (table_end > image.size_of_headers) {
    return Error(offset, absl::StrCat("section table ends at ", table_end,
                                      ", beyond SizeOfHeaders ", image.size_of_headers));
  }
  for (uint16_t i = 0; i < count; ++i) {
    const uint64_t at = offset + uint64_t{i} * sizeof(SectionHeader);
    SectionHeader h;
    ReadStruct(bytes_, at, &h);  // inside table_end, checked above
    PeSection s;
    s.name.assign(h.name, strnlen(h.name, sizeof(h.name)));
    if (s.name.size() > 1 && s.name[0] == '/') s.name = LongSectionName(s.name);
    s.virtual_size = h.virtual_size;
    s.virtual_address = h.virtual_address;
    s.raw_size = h.size_of_raw_data;
    s.raw_offset = h.pointer_to_raw_data;
    s.characteristics = h.characteristics;
    if (s.raw_size != 0 && uint64_t{s.raw_offset} + s.raw_size > bytes_.size()) {
      return Error(at, absl::StrCat("section ", i, " \"", absl::CEscape(s.name), "\" raw data [",
                                    s.raw_offset, ", +", s.raw_size,
                                    ") runs past the end of the file (", bytes_.size(), " bytes)"));
    }
    image.sections.push_back(std::move(s));
  }
  return absl::OkStatus();
}

// "Section Table": a name "/N" stands for the NUL-terminated string at offset N of the string
// table (GNU ld writes these into images too: shim's ".vendor_cert"). Kept as "/N" when the
// string table is absent or the offset lies outside the file.
std::string Parser::LongSectionName(const std::string& slash_name) const {
  uint64_t n = 0;
  for (size_t i = 1; i < slash_name.size(); ++i) {
    if (slash_name[i] < '0' || slash_name[i] > '9') return slash_name;
    n = n * 10 + static_cast<uint64_t>(slash_name[i] - '0');
  }
  const uint64_t at = string_table_offset_ + n;
  if (string_table_offset_ == 0 || at >= bytes_.size()) return slash_name;
  const size_t max = std::min<uint64_t>(256, bytes_.size() - at);
  const char* p = reinterpret_cast<const char*>(bytes_.data() + at);
  return std::string(p, strnlen(p, max));
}

absl::Status Parser::CheckCertificateTable(PeImage& image) {
  if (image.data_directories.size() <= kCertificateTableIndex) return absl::OkStatus();
  const DataDirectory& d = image.data_directories[kCertificateTableIndex];
  if (d.address == 0 && d.size == 0) return absl::OkStatus();
  const uint64_t entry = *image.certificate_entry_offset;
  if (d.size < sizeof(WinCertificateHeader)) {
    return Error(entry, absl::StrCat("certificate table of ", d.size,
                                     " bytes cannot hold a WIN_CERTIFICATE"));
  }
  if (uint64_t{d.address} + d.size > bytes_.size()) {
    return Error(entry,
                 absl::StrCat("certificate table [", d.address, ", +", d.size,
                              ") runs past the end of the file (", bytes_.size(), " bytes)"));
  }
  if (d.address < image.size_of_headers) {
    return Error(entry,
                 absl::StrCat("certificate table at ", d.address,
                              " overlaps the headers (SizeOfHeaders ", image.size_of_headers, ")"));
  }
  image.certificate_table = CertificateTable{d.address, d.size};
  return absl::OkStatus();
}

}  // namespace

const char* MachineName(Machine machine) {
  switch (machine) {
    case Machine::kI386:
      return "x86";
    case Machine::kX64:
      return "x64";
    case Machine::kArm64:
      return "arm64";
    case Machine::kArm:
      return "arm";
    case Machine::kOther:
      break;
  }
  return "unknown";
}

std::optional<Machine> DefaultLoaderMachine(absl::string_view file_name) {
  if (auto slash = file_name.find_last_of("/\\"); slash != absl::string_view::npos) {
    file_name.remove_prefix(slash + 1);
  }
  const std::string upper = absl::AsciiStrToUpper(file_name);
  if (upper == "BOOTX64.EFI") return Machine::kX64;
  if (upper == "BOOTIA32.EFI") return Machine::kI386;
  if (upper == "BOOTAA64.EFI") return Machine::kArm64;
  if (upper == "BOOTARM.EFI") return Machine::kArm;
  return std::nullopt;
}

std::string SubsystemName(uint16_t subsystem) {
  switch (subsystem) {
    case kSubsystemEfiApplication:
      return "EFI application";
    case kSubsystemEfiBootServiceDriver:
      return "EFI boot service driver";
    case kSubsystemEfiRuntimeDriver:
      return "EFI runtime driver";
    case kSubsystemEfiRom:
      return "EFI ROM image";
    default:
      return absl::StrCat("subsystem ", subsystem);
  }
}

absl::StatusOr<PeImage> ParsePeImage(std::span<const uint8_t> bytes, absl::string_view name) {
  return Parser(bytes, name).Parse();
}

}  // namespace mediaforge::pe
