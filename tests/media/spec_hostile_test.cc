// Hostile media specs found by media_spec_fuzzer (docs/RELIABILITY.md; the inputs themselves are
// in fuzz/regressions/media_spec_fuzzer/ and replayed by fuzz_replay_media_spec_fuzzer).
#include <gtest/gtest.h>

#include <string>

#include "fs/media/spec.h"

namespace mediaforge::media {
namespace {

// A number too large for 64 bits makes nlohmann throw out_of_range, not parse_error: it used to
// escape ParseMediaSpec (std::terminate); now it is an error naming the spec.
TEST(SpecHostile, NumberTooLargeIsAnErrorNotAnAbort) {
  for (const std::string text : {"{\"staging_dir\":1e4844}", "{\"label\": 1e999}", "[1e400]"}) {
    auto spec = ParseMediaSpec(text, "/nowhere/spec.json");
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_NE(spec.status().message().find("/nowhere/spec.json"), std::string::npos)
        << spec.status();
  }
}

}  // namespace
}  // namespace mediaforge::media
