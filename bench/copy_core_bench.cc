// The copy core (engine::StreamLayout) in isolation: buffer size x buffers in flight x SHA-256
// on/off, into memory (no device: what the pipeline itself costs) and into a real file on
// /var/tmp. The source is a 512 MiB file kept in the page cache.
//   build/bench/copy_core_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "tests/support/memory_target.h"
#include "device/target.h"
#include "engine/stream_copy.h"

namespace {

using namespace mediaforge;
constexpr uint64_t kImageBytes = 512ull << 20;

const std::string& SourceImage() {
  static const std::string path = [] {
    std::string p = "/var/tmp/mediaforge-copy-core-bench.img";
    if (!std::filesystem::exists(p) || std::filesystem::file_size(p) != kImageBytes) {
      std::ofstream out(p, std::ios::binary | std::ios::trunc);
      std::mt19937_64 rng(1);
      std::vector<uint64_t> block(1 << 17);
      for (uint64_t done = 0; done < kImageBytes; done += block.size() * 8) {
        for (auto& w : block) w = rng();
        out.write(reinterpret_cast<const char*>(block.data()), block.size() * 8);
      }
    }
    return p;
  }();
  return path;
}

engine::Layout ImageLayout() {
  engine::Layout layout(kImageBytes);
  layout.AddFileRange(0, SourceImage(), 0, kImageBytes);
  (void)layout.Finalize();
  return layout;
}

void Run(benchmark::State& state, device::Target& target) {
  engine::Layout layout = ImageLayout();
  engine::CopyOptions opts;
  opts.block_size = static_cast<size_t>(state.range(0)) << 10;
  opts.buffers = static_cast<int>(state.range(1));
  opts.sha256 = state.range(2) != 0;
  opts.flush = false;
  device::Target* targets[] = {&target};
  for (auto _ : state) {
    auto r = engine::StreamLayout(layout, targets, opts);
    if (!r.ok() || !r->all_ok()) state.SkipWithError("copy failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kImageBytes));
}

void BM_CopyToMemory(benchmark::State& state) {
  device::MemoryTarget target(kImageBytes);
  Run(state, target);
}

void BM_CopyToFile(benchmark::State& state) {
  std::string path = "/var/tmp/mediaforge-copy-core-bench.out";
  auto target = device::OpenTarget(path, {.write = true, .create = true});
  if (!target.ok()) {
    state.SkipWithError("cannot open /var/tmp output");
    return;
  }
  Run(state, **target);
  std::filesystem::remove(path);
}

void Args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"block_KiB", "buffers", "sha256"});
  for (int64_t kib : {1024, 4096, 16384}) {
    for (int64_t bufs : {2, 8}) {
      for (int64_t sha : {0, 1}) b->Args({kib, bufs, sha});
    }
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_CopyToMemory)->Apply(Args);
BENCHMARK(BM_CopyToFile)->Apply(Args);

}  // namespace

BENCHMARK_MAIN();
