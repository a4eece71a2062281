// libFuzzer target: arbitrary bytes as a PE/COFF image through ParsePeImage, the Authenticode
// image digest and the certificate table / PKCS#7 reader. Nothing may crash, hang or allocate
// without bound, whatever the headers say.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja pe_reader_fuzzer && ./fuzz/pe_reader_fuzzer -max_len=65536 CORPUS_DIR
// Seeds: small EFI binaries (a grub-mkstandalone image, one signed with sbsign), truncated.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fs/pe/authenticode.h"
#include "fs/pe/pe_image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto image = mediaforge::pe::ParsePeImage(bytes, "fuzz.efi");
  if (!image.ok()) return 0;
  (void)mediaforge::pe::ComputeImageDigest(bytes, *image, "sha256");
  (void)mediaforge::pe::ReadAuthenticode(bytes, *image, "fuzz.efi");
  return 0;
}
