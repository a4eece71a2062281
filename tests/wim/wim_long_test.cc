// The real size: a WIM over 4 GiB (FAT32's limit) split with the default 3800 MiB parts by
// `mediaforge usb --split-wim`; no file on the stick is 4 GiB or more and the parts apply back
// byte for byte. Needs ~25 GiB of scratch space and minutes, so it runs only when asked:
//   MEDIAFORGE_LONG_TESTS=1 ctest -L long --timeout 3600
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/test_support.h"
#include "tests/wim/wim_test_util.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;

TEST(WimSplitLong, UsbSplitsAWimOverFourGiB) {
  const char* on = std::getenv("MEDIAFORGE_LONG_TESTS");
  if (on == nullptr || std::string(on) != "1") {
    GTEST_SKIP() << "a WIM over 4 GiB takes minutes and ~25 GiB: set MEDIAFORGE_LONG_TESTS=1";
  }
  MF_REQUIRE_TOOL("wimlib-imagex");
  MF_REQUIRE_TOOL("mcopy");
  testing::TempDir dir;
  const fs::path data = dir / "data";
  // 4.4 GiB of incompressible files of 100 MiB each (each below a part).
  testing::MakeWimData(data, 45, 100ull << 20, 1);
  fs::create_directories(dir / "tree" / "sources");
  const fs::path wim = dir / "tree" / "sources" / "install.wim";
  ASSERT_EQ(testing::CaptureWim(data, wim, false, "XPRESS").exit_code, 0);
  ASSERT_GT(fs::file_size(wim), 4ull << 30);
  const fs::path image = dir / "stick.img";
  auto r = testing::RunMediaforge({"usb", (dir / "tree").string(), image.string(), "--split-wim",
                                   "--staging", dir.path().string()},
                                  3000);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fs::remove_all(dir / "tree");
  const fs::path stick = dir / "stick";
  fs::create_directories(stick);
  auto copy = testing::RunShell(
      "mcopy -s -n -i '" + image.string() + "@@1048576' ::/ '" + stick.string() + "' 2>&1", 3000);
  ASSERT_EQ(copy.exit_code, 0) << copy.output;
  fs::remove(image);
  for (const auto& e : fs::recursive_directory_iterator(stick)) {
    if (e.is_regular_file()) {
      EXPECT_LT(e.file_size(), 4ull << 30) << e.path();
    }
  }
  ASSERT_TRUE(fs::exists(stick / "sources" / "install2.swm"));
  EXPECT_EQ(testing::ApplyAndCompare(stick / "sources" / "install.swm", data, dir / "applied"), "");
}

}  // namespace
}  // namespace mediaforge
