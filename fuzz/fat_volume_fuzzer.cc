// libFuzzer target: arbitrary bytes as a FAT12/16/32 volume through the reader (boot sector,
// FAT, directories with long names, files) and the checker behind `verify` (chains, loops,
// cross-links, FSInfo, backup boot sector). Nothing may crash, hang or allocate without bound,
// whatever the BPB claims.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja fat_volume_fuzzer && ./fuzz/fat_volume_fuzzer -max_len=1048576 CORPUS_DIR
// Seeds: small volumes from `mediaforge format --from` (scripts/fuzz-seeds.sh).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fs/fat32/fat32.h"
#include "tests/support/memory_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mediaforge::device::MemoryTarget target(size, "fuzz.img");
  if (size > 0) (void)target.WriteAt(std::as_bytes(std::span(data, size)), 0);
  (void)mediaforge::fat32::CheckFatVolume(target, 0);
  auto volume = mediaforge::fat32::OpenFatVolume(target, 0);
  if (!volume.ok()) return 0;
  auto files = (*volume)->List();
  if (!files.ok()) return 0;
  int read = 0;
  for (const auto& file : *files) {
    if (file.is_dir || file.size > (1 << 20)) continue;
    (void)(*volume)->ReadFile(file);
    (void)(*volume)->Stat(file.path);
    if (++read == 4) break;
  }
  return 0;
}
