// libFuzzer target: arbitrary bytes as a whole media (partition tables, FAT volumes, ISO9660 with
// El Torito) through the Secure Boot audit of `verify`: finding every EFI file through the FAT
// and ISO readers, reading it, parsing it as PE and checking its signatures. Nothing may crash,
// hang or allocate without bound.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja secure_boot_audit_fuzzer && ./fuzz/secure_boot_audit_fuzzer -max_len=4194304 DIR
// Seeds: small sticks and hybrid ISOs from `mediaforge usb` / `mediaforge iso --efi-dir`.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fs/pe/secure_boot_audit.h"
#include "tests/support/memory_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mediaforge::device::MemoryTarget target(size, "fuzz.img");
  if (size > 0) (void)target.WriteAt(std::as_bytes(std::span(data, size)), 0);
  (void)mediaforge::pe::AuditSecureBoot(target);
  return 0;
}
