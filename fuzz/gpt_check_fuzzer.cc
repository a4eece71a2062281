// libFuzzer target: arbitrary bytes as a disk through the GPT checker that `verify` runs on
// sticks and hybrid images (both headers, entry arrays, CRCs, ranges). Nothing may crash or
// allocate without bound, whatever the headers claim. The first 64 KiB of the input are the
// disk's start; the rest, if any, its end (where the backup GPT lives), with a gap between.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja gpt_check_fuzzer && ./fuzz/gpt_check_fuzzer -max_len=131072 CORPUS_DIR
// Seeds: sticks from `mediaforge usb --scheme gpt`, cut to their first and last 64 KiB.
#include <cstddef>
#include <cstdint>
#include <span>

#include "device/gpt_check.h"
#include "tests/support/memory_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kHead = 64 * 1024;
  constexpr uint64_t kGap = 1 << 20;
  auto bytes = std::as_bytes(std::span(data, size));
  size_t head = std::min(size, kHead);
  size_t tail = size - head;
  const uint64_t disk = tail > 0 ? head + kGap + tail : head;
  mediaforge::device::MemoryTarget target(disk, "fuzz.img");
  if (head > 0) (void)target.WriteAt(bytes.first(head), 0);
  if (tail > 0) (void)target.WriteAt(bytes.subspan(head), disk - tail);
  (void)mediaforge::device::HasGpt(target);
  (void)mediaforge::device::CheckGpt(target, disk, 512);
  (void)mediaforge::device::CheckGpt(target, disk, 4096);
  return 0;
}
