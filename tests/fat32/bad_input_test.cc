// Pre-flight: bad source trees and bad options fail before the first byte, the error names the
// path (and sizes), and the target is unchanged — an existing image keeps its bytes, a missing
// one is not created.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "tests/fat32/fat_test_util.h"

namespace mediaforge::fat32 {
namespace {

using namespace testutil;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = dir_ / "src";
    fs::create_directories(src_ / "ok");
    WriteWholeFile(src_ / "ok/fine.txt", "fine");
    existing_ = (dir_ / "existing.img").string();
    testing::WritePatternFile(existing_, 32 << 20, 5);
    digest_ = FileDigest(existing_);
    missing_ = (dir_ / "missing.img").string();
  }
  // Formats both targets from the source; both must fail and stay as they were. Returns the
  // error text.
  std::string ExpectRefused(std::vector<std::string> extra = {}) {
    std::string out;
    for (const std::string& target : {existing_, missing_}) {
      std::vector<std::string> args = {target};
      for (const char* flag : {"--size", "--from"}) {
        if (std::find(extra.begin(), extra.end(), flag) == extra.end()) {
          args.push_back(flag);
          args.push_back(flag == std::string("--size") ? "32M" : src_.string());
        }
      }
      args.insert(args.end(), extra.begin(), extra.end());
      auto r = Format(args);
      EXPECT_NE(r.exit_code, 0) << r.output;
      out = r.output;
    }
    EXPECT_EQ(FileDigest(existing_), digest_) << "existing image changed";
    EXPECT_FALSE(fs::exists(missing_)) << "missing image was created";
    for (const auto& e : fs::directory_iterator(dir_.path())) {
      EXPECT_EQ(e.path().filename().string().find(".mediaforge-"), std::string::npos)
          << "temporary file left behind: " << e.path();
    }
    return out;
  }
  TempDir dir_;
  fs::path src_;
  std::string existing_, missing_, digest_;
};

TEST_F(BadInput, FilesOf4GiBOrMoreAreAllListed) {
  for (auto [name, size] :
       {std::pair<const char*, uint64_t>{"ok/install.wim", 4ull << 30}, {"huge.iso", 5ull << 30}}) {
    int fd = ::open((src_ / name).c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
    ::close(fd);
  }
  const std::string out = ExpectRefused({"--size", "64G"});
  EXPECT_NE(out.find((src_ / "ok/install.wim").string()), std::string::npos) << out;
  EXPECT_NE(out.find("4294967296 bytes"), std::string::npos) << out;
  EXPECT_NE(out.find((src_ / "huge.iso").string()), std::string::npos) << out;
  EXPECT_NE(out.find("5368709120 bytes"), std::string::npos) << out;
}

TEST_F(BadInput, NamesCollidingWhenCaseIsIgnored) {
  WriteWholeFile(src_ / "ok/Readme.txt", "a");
  WriteWholeFile(src_ / "ok/README.TXT", "b");
  const std::string out = ExpectRefused();
  EXPECT_NE(out.find("ok/Readme.txt"), std::string::npos) << out;
  EXPECT_NE(out.find("README.TXT"), std::string::npos) << out;
  EXPECT_NE(out.find("case"), std::string::npos) << out;
}

TEST_F(BadInput, CharactersFatCannotHold) {
  WriteWholeFile(src_ / "ok/what?.txt", "a");
  WriteWholeFile(src_ / "ok/a:b", "b");
  WriteWholeFile(src_ / "trailing.", "c");
  WriteWholeFile(src_ / "bad\xFFutf8", "d");
  const std::string out = ExpectRefused();
  for (const char* p : {"ok/what?.txt", "ok/a:b", "trailing.", "bad\xFFutf8"}) {
    EXPECT_NE(out.find((src_ / p).string()), std::string::npos) << p << "\n" << out;
  }
}

TEST_F(BadInput, ContentLargerThanTheVolumeGivesBothSizes) {
  testing::WritePatternFile(src_ / "ok/big.bin", 40 << 20, 1);
  const std::string out = ExpectRefused();
  EXPECT_NE(out.find("content needs"), std::string::npos) << out;
  EXPECT_NE(out.find("volume of 33554432 bytes"), std::string::npos) << out;
}

TEST_F(BadInput, DirectoryOverTheEntryLimit) {
  // 3200 names of about 250 characters take 20 LFN entries + 1 each: over 65536.
  fs::create_directories(src_ / "crowded");
  for (int i = 0; i < 3200; ++i) {
    std::string name = absl::StrCat(i, "_", std::string(245, 'n'));
    WriteWholeFile(src_ / "crowded" / name, "");
  }
  const std::string out = ExpectRefused();
  EXPECT_NE(out.find((src_ / "crowded").string()), std::string::npos) << out;
  EXPECT_NE(out.find("65536"), std::string::npos) << out;
}

TEST_F(BadInput, SymlinkLoopsAndDanglingLinks) {
  fs::create_directory_symlink("..", src_ / "ok/loop");
  fs::create_symlink("nowhere", src_ / "dangling");
  const std::string out = ExpectRefused();
  EXPECT_NE(out.find((src_ / "ok/loop").string() + ": symbolic link loop"), std::string::npos)
      << out;
  EXPECT_NE(out.find((src_ / "dangling").string()), std::string::npos) << out;
}

TEST_F(BadInput, BadOptions) {
  EXPECT_NE(ExpectRefused({"--label", "much too long label"}).find("longer than 11"),
            std::string::npos);
  EXPECT_NE(ExpectRefused({"--label", "a*b"}).find("'*'"), std::string::npos);
  EXPECT_NE(ExpectRefused({"--cluster-size", "3000"}).find("power of two"), std::string::npos);
  EXPECT_NE(ExpectRefused({"--fat", "32", "--size", "16M"}).find("FAT32 needs"), std::string::npos);
  EXPECT_NE(ExpectRefused({"--fat", "15"}).find("12, 16 or 32"), std::string::npos);
}

TEST_F(BadInput, MissingSource) {
  const std::string out = ExpectRefused({"--from", (dir_ / "nope").string()});
  EXPECT_NE(out.find((dir_ / "nope").string()), std::string::npos) << out;
}

}  // namespace
}  // namespace mediaforge::fat32

namespace mediaforge::fat32 {
namespace {

// An interrupted format leaves an existing image as it was and no temporary file behind.
TEST(Interrupt, SigintLeavesTheImageUnchanged) {
  MF_REQUIRE_TOOL("timeout");
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "src");
  // 3 GiB of holes: quick to read, seconds to write.
  testing::RunShell("truncate -s 3G " + (dir / "src/big.bin").string());
  const std::string img = (dir / "old.img").string();
  testing::WritePatternFile(img, 1 << 20, 3);
  const std::string digest = testutil::FileDigest(img);
  // A slow start (a sanitizer build, a loaded machine) can take the signal before the handler
  // is in place: the process then dies silently, the image still unchanged; try a later one.
  testing::CommandResult r;
  for (const char* delay : {"0.5", "1.5", "4"}) {
    r = testing::RunShell("timeout --preserve-status -s INT " + std::string(delay) + " " +
                          ::mediaforge::testing::MediaforgeCli() + " format " + img +
                          " --size 4G --from " + (dir / "src").string());
    if (r.exit_code == 0) GTEST_SKIP() << "format finished before the interrupt";
    EXPECT_EQ(testutil::FileDigest(img), digest) << "after an interrupt at " << delay << " s";
    if (r.output.find("mediaforge") != std::string::npos) break;  // it had started
  }
  EXPECT_NE(r.output.find("interrupted"), std::string::npos) << r.output;
  EXPECT_EQ(testutil::FileDigest(img), digest);
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".mediaforge-"), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace mediaforge::fat32
