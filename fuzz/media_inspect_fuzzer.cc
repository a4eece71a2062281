// libFuzzer target: arbitrary bytes as a disk through `verify TARGET`'s inspection: the MBR
// (boot signature, boot code, partition entries read by libfdisk), the partitions' FAT volumes,
// a superfloppy, GPT beside the MBR, ISO9660 with hybrid tables. Nothing may crash, hang or
// allocate without bound, whatever the partition entries say.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja media_inspect_fuzzer && ./fuzz/media_inspect_fuzzer -max_len=2097152 CORPUS_DIR
// Seeds: small sticks from `mediaforge usb` (MBR and GPT) and `format` (scripts/fuzz-seeds.sh).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fs/inspect/media_inspect.h"
#include "fuzz/fuzz_input.h"
#include "tests/support/memory_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libfdisk reads the table by path: the same bytes as a file and as the target.
  mediaforge::fuzz::InputFile file(data, size);
  if (!file.ok()) return 0;
  mediaforge::device::MemoryTarget target(size, file.path());
  if (size > 0) (void)target.WriteAt(std::as_bytes(std::span(data, size)), 0);
  (void)mediaforge::inspect::InspectMedia(target);
  return 0;
}
