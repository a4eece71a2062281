// libFuzzer target: arbitrary bytes as an ISO image through OpenIso, ExtractFile and CheckIso.
// Nothing may crash, hang or allocate without bound, whatever the image says.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja iso_reader_fuzzer && ./fuzz/iso_reader_fuzzer -max_len=262144 CORPUS_DIR
// Seeds: small images from `mediaforge iso` (with --hybrid, --bios-boot, --efi-boot).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fs/iso9660/iso9660.h"
#include "tests/support/memory_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mediaforge::device::MemoryTarget target(size, "fuzz.iso");
  if (size > 0) (void)target.WriteAt(std::as_bytes(std::span(data, size)), 0);
  (void)mediaforge::iso9660::CheckIso(target);
  auto image = mediaforge::iso9660::OpenIso(target, {.max_entries = 10000});
  if (image.ok()) {
    for (const auto& e : image->entries) {
      if (e.type == mediaforge::iso9660::IsoEntry::Type::kFile && e.size < (1 << 20)) {
        (void)mediaforge::iso9660::ExtractFile(target, e, "/dev/null");
        break;
      }
    }
  }
  return 0;
}
