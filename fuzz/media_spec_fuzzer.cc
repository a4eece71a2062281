// libFuzzer target: arbitrary text as a media spec (media-spec.md) through ParseMediaSpec and
// its value parsers (dates, byte sizes). Every input must end in a spec or an error naming the
// key; nothing may crash or throw out of the parser (nlohmann's exceptions included).
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja media_spec_fuzzer && ./fuzz/media_spec_fuzzer -max_len=16384 CORPUS_DIR
// Seeds: fuzz/corpus/media_spec/*.json (the shapes of media-spec.md and tests/media).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "fs/media/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  // A directory that does not exist: relative paths in the spec resolve to nothing.
  (void)mediaforge::media::ParseMediaSpec(text, "/nonexistent-mediaforge-fuzz/spec.json");
  (void)mediaforge::media::ParseUtcDate(absl::string_view(text));
  (void)mediaforge::media::ParseByteSize(absl::string_view(text));
  return 0;
}
