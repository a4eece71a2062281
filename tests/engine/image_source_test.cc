// Compressed images give the same bytes as raw; sizes come from the format where it records
// them; truncated data is an error naming the file.
#include "engine/image_source.h"

#include <gtest/gtest.h>

#include "engine/capture.h"
#include "engine/stream_copy.h"
#include "tests/support/test_support.h"

namespace mediaforge::engine {
namespace {

using testing::ReadWholeFile;
using testing::TempDir;

class Compressed : public ::testing::TestWithParam<std::string> {};

// A compressible image: pattern blocks interleaved with zeros and text.
void MakeImage(const std::filesystem::path& p) {
  testing::WritePatternFile(p, 5'000'000, 21);
  testing::RunShell("head -c 3000000 /dev/zero >> '" + p.string() + "'");
}

// MakeImage as `dir`/img, compressed beside it with `tool` (gzip, xz or zstd; img is kept): the
// compressed file, or an empty path when the tool failed.
std::filesystem::path MakeCompressedImage(const std::filesystem::path& dir,
                                          const std::string& tool) {
  MakeImage(dir / "img");
  std::string ext = tool == "gzip" ? ".gz" : tool == "xz" ? ".xz" : ".zst";
  if (testing::RunShell(tool + " -k -q '" + (dir / "img").string() + "'").exit_code != 0) return {};
  return dir / ("img" + ext);
}

TEST_P(Compressed, SameBytesAsRawAndKnownSize) {
  const std::string tool = GetParam();
  MF_REQUIRE_TOOL(tool);
  TempDir dir;
  const std::filesystem::path c = MakeCompressedImage(dir.path(), tool);
  ASSERT_FALSE(c.empty()) << tool << " failed";
  auto src = OpenImageSource(c.string());
  ASSERT_TRUE(src.ok()) << src.status();
  EXPECT_NE(src->compression, Compression::kNone);
  if (tool != "gzip") {
    ASSERT_TRUE(src->size.has_value()) << tool << " records the size";
    EXPECT_EQ(*src->size, 8'000'000u);
  }
  auto layout = src->MakeLayout();
  ASSERT_TRUE(layout.ok());
  auto out = device::OpenTarget((dir / "out").string(), {.write = true, .create = true});
  ASSERT_TRUE(out.ok());
  device::Target* targets[] = {out->get()};
  auto rep = StreamLayout(*layout, targets, {.block_size = 1 << 20, .sha256 = true});
  ASSERT_TRUE(rep.ok()) << rep.status();
  EXPECT_EQ(rep->bytes, 8'000'000u);
  EXPECT_TRUE(ReadWholeFile(dir / "img") == ReadWholeFile(dir / "out"));
}

TEST_P(Compressed, TruncatedIsAnErrorNamingTheFile) {
  const std::string tool = GetParam();
  MF_REQUIRE_TOOL(tool);
  TempDir dir;
  const std::string c = MakeCompressedImage(dir.path(), tool).string();
  ASSERT_FALSE(c.empty()) << tool << " failed";
  std::filesystem::resize_file(c, std::filesystem::file_size(c) / 2);
  auto src = OpenImageSource(c);
  ASSERT_TRUE(src.ok());
  auto layout = src->MakeLayout();
  ASSERT_TRUE(layout.ok());
  auto out = device::OpenTarget((dir / "out").string(), {.write = true, .create = true});
  device::Target* targets[] = {out->get()};
  auto rep = StreamLayout(*layout, targets, {.block_size = 1 << 20});
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.status().message().find(c), std::string::npos) << rep.status();
}

INSTANTIATE_TEST_SUITE_P(Formats, Compressed, ::testing::Values("gzip", "xz", "zstd"));

TEST(Capture, HolesWhereZeroAndShaReported) {
  TempDir dir;
  // 4 MiB data, 8 MiB zeros, 4 MiB data.
  testing::WritePatternFile(dir / "a", 4 << 20, 1);
  testing::RunShell("cd '" + dir.path().string() +
                    "' && cat a > src && head -c 8388608 /dev/zero >> src && cat a >> src");
  auto src = device::OpenTarget((dir / "src").string(), {.exclusive = false});
  ASSERT_TRUE(src.ok());
  auto r = Capture(**src, (dir / "cap.img").string(), {.block_size = 1 << 20});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->bytes, 16u << 20);
  EXPECT_LE(r->allocated_bytes, 9u << 20);  // the 8 MiB of zeros are a hole
  EXPECT_TRUE(ReadWholeFile(dir / "src") == ReadWholeFile(dir / "cap.img"));
  auto sum = testing::Run({"sha256sum", (dir / "src").string()});
  EXPECT_EQ(sum.output.substr(0, 64), r->sha256);
  EXPECT_FALSE(std::filesystem::exists(dir / "cap.img.partial"));
}

TEST(VerifyDigests, FindsTheExactByteOfACompressedImage) {
  TempDir dir;
  const std::filesystem::path c = MakeCompressedImage(dir.path(), "zstd");
  ASSERT_FALSE(c.empty()) << "zstd failed";
  auto src = OpenImageSource(c.string());
  ASSERT_TRUE(src.ok());
  auto layout = src->MakeLayout();
  auto out = device::OpenTarget((dir / "out").string(), {.write = true, .create = true});
  device::Target* targets[] = {out->get()};
  auto rep = StreamLayout(*layout, targets, {.block_size = 1 << 20, .block_digests = true});
  ASSERT_TRUE(rep.ok());
  // Flip one byte in the third block.
  const uint64_t off = 2 * (1 << 20) + 4321;
  std::vector<std::byte> b(1);
  ASSERT_TRUE(device::ReadFully(**out, b, off).ok());
  b[0] ^= std::byte{1};
  ASSERT_TRUE(device::WriteFully(**out, b, off).ok());
  auto fresh = src->MakeLayout();
  auto v = VerifyDigests(**out, rep->digests, {}, &*fresh);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_FALSE(v->match);
  EXPECT_EQ(*v->first_mismatch, off);
}

}  // namespace
}  // namespace mediaforge::engine
