#include "tests/pe/pe_test_util.h"

#include <cstring>
#include <fstream>

#include "fs/pe/on_disk.h"
#include "fs/pe/pe_image.h"
#include "tests/support/test_support.h"

namespace mediaforge::testing {

std::vector<uint8_t> ReadBytes(const std::filesystem::path& path) {
  std::vector<char> chars = ReadWholeFile(path);
  return std::vector<uint8_t>(chars.begin(), chars.end());
}

void WriteBytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

bool SignWithTestKey(const std::filesystem::path& dir, const std::string& in,
                     const std::string& out, std::string* why) {
  if (!HaveTool("openssl") || !HaveTool("sbsign")) {
    *why = "needs openssl and sbsign (package sbsigntool)";
    return false;
  }
  const std::string d = dir.string();
  const std::string script =
      "set -e; cd '" + d + "'; " +
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + kTestCaName +
      "' -keyout ca.key -out ca.crt 2>/dev/null; " +
      "openssl req -new -newkey rsa:2048 -nodes -subj '/CN=" + kTestSignerName +
      "' -keyout signer.key -out signer.csr 2>/dev/null; " +
      "openssl x509 -req -in signer.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
      "-out signer.crt 2>/dev/null; " +
      "sbsign --key signer.key --cert signer.crt --addcert ca.crt --output '" + out + "' '" + in +
      "'";
  CommandResult r = RunShell(script, 120);
  if (r.exit_code != 0) {
    *why = "signing with a test key failed: " + r.output;
    return false;
  }
  return true;
}

uint64_t FlipByteInFirstSection(std::vector<uint8_t>& image) {
  auto pe = pe::ParsePeImage(image);
  if (!pe.ok()) return 0;
  for (const auto& s : pe->sections) {
    if (s.raw_size == 0) continue;
    uint64_t at = s.raw_offset + s.raw_size / 2;
    image[at] ^= 0x01;
    return at;
  }
  return 0;
}

std::vector<uint8_t> MinimalPeImage(uint16_t machine, uint16_t subsystem) {
  constexpr uint32_t kHeaders = 512;
  std::vector<uint8_t> out(kHeaders + 512, 0);
  pe::DosHeader dos{};
  std::memcpy(dos.e_magic, "MZ", 2);
  dos.e_lfanew = sizeof(dos);
  std::memcpy(out.data(), &dos, sizeof(dos));
  std::memcpy(out.data() + sizeof(dos), "PE\0\0", 4);
  pe::CoffFileHeader coff{};
  coff.machine = machine;
  coff.number_of_sections = 1;
  coff.size_of_optional_header = sizeof(pe::OptionalHeader64) + 16 * sizeof(pe::ImageDataDirectory);
  coff.characteristics = 0x0022;  // executable, large address aware
  std::memcpy(out.data() + sizeof(dos) + 4, &coff, sizeof(coff));
  pe::OptionalHeader64 opt{};
  opt.standard.magic = pe::kOptionalMagicPe32Plus;
  opt.standard.address_of_entry_point = 0x1000;
  opt.windows.section_alignment = 0x1000;
  opt.windows.file_alignment = 0x200;
  opt.windows.size_of_image = 0x2000;
  opt.windows.size_of_headers = kHeaders;
  opt.windows.subsystem = subsystem;
  opt.number_of_rva_and_sizes = 16;
  const size_t opt_at = sizeof(dos) + 4 + sizeof(coff);
  std::memcpy(out.data() + opt_at, &opt, sizeof(opt));
  pe::SectionHeader text{};
  std::memcpy(text.name, ".text", 5);
  text.virtual_size = 512;
  text.virtual_address = 0x1000;
  text.size_of_raw_data = 512;
  text.pointer_to_raw_data = kHeaders;
  text.characteristics = 0x60000020;
  std::memcpy(out.data() + opt_at + coff.size_of_optional_header, &text, sizeof(text));
  for (size_t i = kHeaders; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i * 7);
  return out;
}

}  // namespace mediaforge::testing
