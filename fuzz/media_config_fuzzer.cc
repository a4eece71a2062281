// libFuzzer target: arbitrary text as the configuration files `media show` and `verify` read
// back from media: the sealed part (Unseal: JSON envelope, scrypt cost, base64, AES-256-GCM),
// the secret payload and the manifest. A wrong password or a damaged envelope is an error,
// never a crash; a hostile scrypt cost must not exhaust memory.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja media_config_fuzzer && ./fuzz/media_config_fuzzer -max_len=65536 CORPUS_DIR
// Seeds: the files of a `mediaforge create` image (scripts/fuzz-seeds.sh, password "fuzz").
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "fs/media/manifest.h"
#include "fs/media/media_config.h"
#include "fs/media/seal.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto plain = mediaforge::media::Unseal(text, "fuzz");
  (void)mediaforge::media::ParseSecretPayload(plain.ok() ? *plain : text);
  (void)mediaforge::media::ParseManifest(text);
  (void)mediaforge::media::Base64Decode(absl::string_view(text));
  return 0;
}
