// The manifest taken while the media stream: chunks cut anywhere (several files in one chunk,
// one file over many), hard links sharing a place, empty files, two volumes; chunks observed by
// several threads at once the way the engine's fill workers do; a file whose bytes did not all
// pass is an error naming it, and a lost chunk never leaves a worker waiting.
#include "fs/media/streamed_manifest.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "device/sha256.h"

namespace mediaforge::media {
namespace {

std::vector<std::byte> Bytes(size_t n, int seed) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::byte((i * 131 + seed * 7) & 0xff);
  return v;
}

std::string Hex(std::span<const std::byte> b) { return device::Sha256Hex(b); }

TEST(StreamedManifest, DigestsFromChunksCutAnywhere) {
  // Volume 0: a at 0 (5000 bytes), b at 6144 (100 bytes), c (hard link of a); volume 1: d.
  std::vector<std::byte> image(20000, std::byte{0xee});
  auto a = Bytes(5000, 1), b = Bytes(100, 2), d = Bytes(3000, 3);
  std::copy(a.begin(), a.end(), image.begin());
  std::copy(b.begin(), b.end(), image.begin() + 6144);
  std::vector<ManifestFile> files = {{"a", 0, 0, 5000},
                                     {"b", 0, 6144, 100},
                                     {"c", 0, 0, 5000},
                                     {"empty", 0, 0, 0},
                                     {"d", 1, 2048, 3000}};
  std::vector<std::string> paths;
  for (auto& f : files) paths.push_back(f.path);
  StreamedManifest m(files);
  for (size_t at = 0; at < image.size(); at += 777) {
    size_t n = std::min<size_t>(777, image.size() - at);
    m.Observe(0, at, std::span<const std::byte>(image).subspan(at, n));
  }
  m.Observe(1, 2048, std::span<const std::byte>(d).first(1000));
  m.Observe(1, 3048, std::span<const std::byte>(d).subspan(1000));
  auto text = m.Text();
  ASSERT_TRUE(text.ok()) << text.status();
  std::string want = Hex(a) + "  a\n" + Hex(b) + "  b\n" + Hex(a) + "  c\n" +
                     Hex(std::span<const std::byte>()) + "  empty\n" + Hex(d) + "  d\n";
  EXPECT_EQ(*text, want);
  EXPECT_EQ(text->size(), PlaceholderManifest(paths).size());
}

TEST(StreamedManifest, MissingBytesNameTheFile) {
  auto a = Bytes(4096, 1);
  StreamedManifest m({{"boot/loader.bin", 0, 4096, 4096}});
  m.Observe(0, 4096, std::span<const std::byte>(a).first(1000));
  m.Observe(0, 5096, 904, {});  // a piece lost (not written, or its source failed)
  m.Observe(0, 6000, std::span<const std::byte>(a).subspan(1904));
  auto text = m.Text();
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("/boot/loader.bin"), std::string::npos) << text.status();
  EXPECT_NE(text.status().message().find("byte offset 4096"), std::string::npos);
}

// Chunks handed out in order to several workers that observe at once (CopyOptions::observe):
// files spanning chunks wait for the worker holding their earlier bytes; every digest is right.
void ObserveLikeTheEngine(StreamedManifest& m, const std::vector<std::byte>& image, size_t chunk,
                          int workers, uint64_t lost_offset = UINT64_MAX) {
  std::atomic<uint64_t> next{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (;;) {
        const uint64_t at = next.fetch_add(chunk);
        if (at >= image.size()) return;
        const size_t n = std::min<size_t>(chunk, image.size() - at);
        if (at == lost_offset) {
          m.Observe(0, at, n, {});
        } else {
          m.Observe(0, at, std::span<const std::byte>(image).subspan(at, n));
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

TEST(StreamedManifest, SeveralWorkersAtOnce) {
  // Files of every size back to back: inside one chunk, across two, over many.
  std::vector<std::byte> image;
  std::vector<ManifestFile> files;
  std::vector<std::string> want;
  for (int i = 0; i < 60; ++i) {
    const size_t size = i % 7 == 0 ? 200'000 + i * 1000 : 1000 + i * 977;
    auto content = Bytes(size, i);
    const std::string path = "f" + std::to_string(i);
    files.push_back({path, 0, image.size(), size});
    want.push_back(Hex(content) + "  " + path + "\n");
    image.insert(image.end(), content.begin(), content.end());
  }
  for (int round = 0; round < 20; ++round) {
    StreamedManifest m(files);
    ObserveLikeTheEngine(m, image, 16384, 4);
    auto text = m.Text();
    ASSERT_TRUE(text.ok()) << text.status();
    std::string all;
    for (auto& line : want) all += line;
    ASSERT_EQ(*text, all) << "round " << round;
  }
}

TEST(StreamedManifest, LostChunkEndsTheWait) {
  auto big = Bytes(1 << 20, 4);
  StreamedManifest m({{"big.wim", 0, 0, big.size()}});
  ObserveLikeTheEngine(m, big, 65536, 3, /*lost_offset=*/65536 * 5);  // must not hang
  auto text = m.Text();
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("/big.wim"), std::string::npos) << text.status();
}

}  // namespace
}  // namespace mediaforge::media
