// The manifest taken while the media stream: chunks cut anywhere (several files in one chunk,
// one file over many), hard links sharing a place, empty files, two volumes; a file whose
// bytes did not all pass is an error naming it.
#include "fs/media/streamed_manifest.h"

#include <gtest/gtest.h>

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
  m.Observe(0, 6000, std::span<const std::byte>(a).subspan(1904));  // a piece skipped
  auto text = m.Text();
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("/boot/loader.bin"), std::string::npos) << text.status();
  EXPECT_NE(text.status().message().find("byte offset 4096"), std::string::npos);
}

}  // namespace
}  // namespace mediaforge::media
