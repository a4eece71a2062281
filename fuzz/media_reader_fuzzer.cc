// libFuzzer target: arbitrary bytes as mediaforge media read back without mounting: MediaFiles
// finds the file system (ISO, hybrid stick, FAT superfloppy, first FAT partition), then
// `media show` reads media.json, the certificate and the sealed part (opened with the password),
// and `verify` checks the manifest. Nothing may crash, hang or allocate without bound.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja media_reader_fuzzer && ./fuzz/media_reader_fuzzer -max_len=4194304 CORPUS_DIR
// Seeds: `mediaforge create` ISO and USB images (scripts/fuzz-seeds.sh, password "fuzz").
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "fs/media/media_reader.h"
#include "fs/media/media_show.h"
#include "tests/support/memory_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mediaforge::device::MemoryTarget target(size, "fuzz.img");
  if (size > 0) (void)target.WriteAt(std::as_bytes(std::span(data, size)), 0);
  auto files = mediaforge::media::MediaFiles::Open(target);
  if (files.ok()) {
    (void)mediaforge::media::ShowMedia(**files, std::optional<std::string>("fuzz"));
  }
  (void)mediaforge::media::CheckMediaManifest(target);
  return 0;
}
