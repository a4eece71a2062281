// libFuzzer target: arbitrary bytes as a UDF image through HasUdfRecognition, OpenUdf,
// ExtractUdfFile and OpenDiscImage (the UDF-or-ISO9660 choice of ISO sources). Nothing may
// crash, hang or allocate without bound, whatever the descriptors say.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja udf_reader_fuzzer && fuzz/udf_seeds.sh CORPUS_DIR &&
//        ./fuzz/udf_reader_fuzzer -max_len=1048576 CORPUS_DIR
// Seeds: fuzz/corpus/udf_reader_fuzzer/mkudffs-512.udf (mkudffs, 512-byte blocks: the anchor at byte 131072) and what
// fuzz/udf_seeds.sh makes (genisoimage -udf bridge images with files, deep and Unicode names).
#include <cstddef>
#include <cstdint>
#include <span>

#include "fs/udf/disc_image.h"
#include "fs/udf/udf.h"
#include "tests/support/memory_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mediaforge::device::MemoryTarget target(size, "fuzz.udf");
  if (size > 0) (void)target.WriteAt(std::as_bytes(std::span(data, size)), 0);
  (void)mediaforge::udf::HasUdfRecognition(target);
  auto volume = mediaforge::udf::OpenUdf(target, {.max_entries = 10000});
  if (volume.ok()) {
    for (const auto& e : volume->entries) {
      if (e.type == mediaforge::udf::UdfEntry::Type::kFile && e.size < (1 << 20)) {
        (void)mediaforge::udf::ExtractUdfFile(target, e, "/dev/null");
        break;
      }
    }
  }
  (void)mediaforge::udf::OpenDiscImage(target);
  return 0;
}
