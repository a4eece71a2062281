// libFuzzer target: arbitrary bytes as an image for `write`: the compression is detected by its
// magic, the uncompressed size read (xz index, zstd frame headers), and the decoder (gzip, xz,
// zstd) streams the content. A truncated or corrupt stream is an error naming the file; a
// decompression bomb is only read as far as this target asks (64 MiB).
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja image_source_fuzzer && ./fuzz/image_source_fuzzer -max_len=65536 CORPUS_DIR
// Seeds: a small image compressed with gzip, xz and zstd, multi-frame/member forms
// (scripts/fuzz-seeds.sh).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/image_source.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mediaforge::fuzz::InputFile file(data, size);
  if (!file.ok()) return 0;
  auto source = mediaforge::engine::OpenImageSource(file.path());
  if (!source.ok()) return 0;
  (void)source->MakeLayout();
  if (source->compression == mediaforge::engine::Compression::kNone) return 0;
  auto stream = mediaforge::engine::OpenDecompressor(file.path(), source->compression);
  if (!stream.ok()) return 0;
  std::vector<std::byte> buffer(1 << 20);
  for (int i = 0; i < 64; ++i) {
    auto n = (*stream)->Read(buffer);
    if (!n.ok() || *n == 0) break;
  }
  return 0;
}
