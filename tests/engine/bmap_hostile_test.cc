// Hostile bmap files found by bmap_fuzzer (docs/RELIABILITY.md; the inputs themselves are in
// fuzz/regressions/bmap_fuzzer/ and replayed by fuzz_replay_bmap_fuzzer).
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_replace.h"
#include "engine/bmap.h"

namespace mediaforge::engine {
namespace {

// A v2.0 bmap whose file checksum is written with upper-case digits: the parser reads the value
// in lower case, so the text to zero for the check is not in the file. It used to throw
// std::out_of_range out of std::string::replace (an abort); now it is an error naming the line.
TEST(BmapHostile, FileChecksumNotWrittenVerbatimIsAnError) {
  Bmap map;
  map.image_size = 1 << 20;
  map.block_size = 4096;
  map.blocks_count = 256;
  map.mapped_blocks_count = 1;
  map.checksum_type = "sha256";
  map.ranges.push_back({.first_block = 3, .last_block = 3, .checksum = std::string(64, 'a')});
  auto text = FormatBmap(map);
  ASSERT_TRUE(text.ok()) << text.status();
  ASSERT_TRUE(ParseBmap(*text, "good.bmap").ok());
  const size_t open = text->find("<BmapFileChecksum>");
  ASSERT_NE(open, std::string::npos);
  const size_t digits = text->find_first_not_of(' ', open + 18);
  std::string upper = *text;
  for (size_t i = digits; i < digits + 64; ++i) {
    if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = static_cast<char>(upper[i] - 'a' + 'A');
  }
  auto parsed = ParseBmap(upper, "upper.bmap");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("upper.bmap"), std::string::npos) << parsed.status();
}

}  // namespace
}  // namespace mediaforge::engine
