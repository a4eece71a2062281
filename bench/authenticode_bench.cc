// The Secure Boot audit's per-file cost: parsing a real EFI binary, recomputing its Authenticode
// image digest (SHA-256 over ~4 MiB for Debian's signed GRUB), and reading its PKCS#7 signatures.
// Run: build/bench/authenticode_bench (skips a case whose Debian binary is missing).
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "fs/pe/authenticode.h"
#include "fs/pe/pe_image.h"

namespace {

std::vector<uint8_t> Load(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void BM_ParseAndDigest(benchmark::State& state, const char* path) {
  const auto bytes = Load(path);
  if (bytes.empty()) {
    state.SkipWithError("binary not installed");
    return;
  }
  for (auto _ : state) {
    auto image = mediaforge::pe::ParsePeImage(bytes, path);
    auto info = mediaforge::pe::ReadAuthenticode(bytes, *image, path);
    benchmark::DoNotOptimize(info);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

BENCHMARK_CAPTURE(BM_ParseAndDigest, shim_signed, "/usr/lib/shim/shimx64.efi.signed")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ParseAndDigest, grub_signed,
                  "/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed")
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
