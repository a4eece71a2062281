// Hostile source trees through the writers' CLI (`format --from`, `iso`, `usb`): symlinks out of
// the tree (absolute and relative), symlink loops, 255-byte names and paths over 1,000 bytes,
// invalid UTF-8, control characters, names differing only in case, boot paths with "..".
// Each case ends in a clear refusal (exit != 0, the path and the reason named, "nothing was
// written", an existing target unchanged) or in the handling docs/RELIABILITY.md documents,
// judged by fsck.fat / xorriso; and in every case no byte changes outside the target.
// Driven through the CLI only, so the tests hold whatever shape the source-tree scan takes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::RunMediaforge;
using testing::WriteWholeFile;

enum class Writer { kFormat, kIso, kUsb };

// The writer's command (and test name), in the enum's order.
std::string WriterName(Writer w) {
  constexpr const char* kNames[] = {"format", "iso", "usb"};
  return kNames[static_cast<int>(w)];
}

// Everything under a directory, symlinks not followed: path -> type, size, mtime, content or
// link text. Two snapshots are equal when nothing was created, changed or removed.
std::map<std::string, std::string> Snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path& p = it->path();
    struct stat st {};
    ::lstat(p.c_str(), &st);
    std::string what = std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
                       std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    if (S_ISLNK(st.st_mode)) {
      what += " -> " + fs::read_symlink(p).string();
    } else if (S_ISREG(st.st_mode)) {
      auto bytes = testing::ReadWholeFile(p);
      what += " " + std::string(bytes.begin(), bytes.end());
    }
    out[p.string()] = what;
  }
  return out;
}

class HostileTreeTest : public ::testing::TestWithParam<Writer> {
 protected:
  void SetUp() override {
    fs::create_directories(src());
    fs::create_directories(out());
    fs::create_directories(root() / "outside");
    WriteWholeFile(src() / "ok.txt", "fine\n");
    WriteWholeFile(root() / "outside/secret.txt", "outside the tree\n");
  }

  fs::path root() const { return dir_.path(); }
  fs::path src() const { return dir_ / "src"; }
  fs::path out() const { return dir_ / "out"; }
  fs::path target() const { return out() / (GetParam() == Writer::kIso ? "t.iso" : "t.img"); }
  bool fat() const { return GetParam() != Writer::kIso; }

  CommandResult Write(std::vector<std::string> extra = {}) {
    std::vector<std::string> args;
    switch (GetParam()) {
      case Writer::kFormat:
        args = {"format", target(), "--size", "2M", "--from", src()};
        break;
      case Writer::kIso:
        args = {"iso", src(), "-o", target(), "--date", "1764547200"};
        break;
      case Writer::kUsb:
        args = {"usb", src(), target(), "--size", "40M", "--yes"};
        break;
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return RunMediaforge(args, 120);
  }

  // Runs the writer and checks that nothing outside the target changed: the source tree, the
  // files beside it, and no stray (temporary) file next to the target.
  CommandResult WriteConfined(std::vector<std::string> extra = {}) {
    auto outside_before = Snapshot(root() / "outside");
    auto src_before = Snapshot(src());
    CommandResult r = Write(extra);
    EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.output;
    EXPECT_FALSE(r.timed_out) << r.output;
    EXPECT_EQ(Snapshot(root() / "outside"), outside_before);
    EXPECT_EQ(Snapshot(src()), src_before);
    for (const auto& e : fs::directory_iterator(out())) {
      EXPECT_EQ(e.path(), target()) << "a file beside the target: " << e.path();
    }
    for (const auto& e : fs::directory_iterator(root())) {
      EXPECT_TRUE(e.path() == src() || e.path() == out() || e.path() == root() / "outside")
          << "a file outside the target's directory: " << e.path();
    }
    return r;
  }

  // A refusal: an error naming `path_part` and `reason`, nothing written, and a target that
  // existed before left byte for byte as it was.
  void ExpectRefused(const std::string& path_part, const std::string& reason) {
    WriteWholeFile(target(), "an existing target that must survive\n");
    CommandResult r = WriteConfined();
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(path_part), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(reason), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("nothing was written"), std::string::npos) << r.output;
    auto bytes = testing::ReadWholeFile(target());
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "an existing target that must survive\n");
  }

  // A written target that an outside judge accepts.
  void ExpectJudgedClean(const CommandResult& r) {
    ASSERT_EQ(r.exit_code, 0) << r.output;
    if (fat()) {
      if (!testing::HaveTool("fsck.fat")) return;
      testing::TempDir judge;
      std::string volume = target();
      if (GetParam() == Writer::kUsb) {  // the partition at 1 MiB, alone
        volume = judge / "partition.img";
        testing::RunShell("dd if='" + target().string() + "' of='" + volume +
                          "' bs=1M skip=1 status=none");
      }
      auto fsck = testing::RunShell("fsck.fat -n '" + volume + "' 2>&1");
      EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
    } else if (testing::HaveTool("xorriso")) {
      auto list =
          testing::RunShell("xorriso -indev '" + target().string() + "' -find / -exec lsdl 2>&1");
      EXPECT_EQ(list.exit_code, 0) << list.output;
    }
  }

  std::string IsoListing() {
    return testing::RunShell("xorriso -indev '" + target().string() + "' -find / -exec lsdl 2>&1")
        .output;
  }

  testing::TempDir dir_;
};

// FAT stores no symlinks: the FAT writers follow them like `cp -L`, so a link out of the tree
// copies what it points to (the user's own file; documented). The ISO keeps it as a Rock Ridge
// symlink, never followed.
TEST_P(HostileTreeTest, AbsoluteSymlinkOutOfTheTree) {
  fs::create_symlink(root() / "outside/secret.txt", src() / "abs");
  auto r = WriteConfined();
  ExpectJudgedClean(r);
  if (!fat() && testing::HaveTool("xorriso")) {
    EXPECT_NE(IsoListing().find("'/abs' -> '" + (root() / "outside/secret.txt").string()),
              std::string::npos)
        << IsoListing();
  }
}

TEST_P(HostileTreeTest, RelativeSymlinkOutOfTheTree) {
  fs::create_symlink("../outside/secret.txt", src() / "rel");
  ExpectJudgedClean(WriteConfined());
}

TEST_P(HostileTreeTest, DanglingSymlinkOutOfTheTree) {
  fs::create_symlink("../../nowhere/at/all", src() / "dangling");
  if (fat()) return ExpectRefused("src/dangling", "target is missing");
  ExpectJudgedClean(WriteConfined());
}

TEST_P(HostileTreeTest, SymlinkToItself) {
  fs::create_symlink("loop", src() / "loop");
  if (fat()) return ExpectRefused("src/loop", "Too many levels of symbolic links");
  ExpectJudgedClean(WriteConfined());
}

TEST_P(HostileTreeTest, DirectorySymlinkCycle) {
  fs::create_directories(src() / "d/e");
  fs::create_symlink("../..", src() / "d/e/up");
  if (fat()) return ExpectRefused("src/d/e/up", "symbolic link loop");
  auto r = WriteConfined();
  ExpectJudgedClean(r);
  if (testing::HaveTool("xorriso")) {
    EXPECT_NE(IsoListing().find("'/d/e/up' -> '../..'"), std::string::npos) << IsoListing();
  }
}

// NAME_MAX is 255 bytes on Linux, so a single 1,000-byte name cannot exist in a source tree;
// 255-byte names and a path of over 1,000 bytes are the longest a tree can hold.
TEST_P(HostileTreeTest, LongestNamesAndPathsOverAThousandBytes) {
  WriteWholeFile(src() / std::string(255, 'n'), "long\n");
  fs::path deep = src();
  for (char c : std::string("abcde")) deep /= std::string(220, c);
  fs::create_directories(deep);
  WriteWholeFile(deep / "leaf.txt", "deep\n");
  ASSERT_GT(deep.string().size() - src().string().size(), 1000u);
  auto r = WriteConfined();
  ExpectJudgedClean(r);
  if (!fat() && testing::HaveTool("xorriso")) {
    EXPECT_NE(IsoListing().find(std::string(255, 'n')), std::string::npos) << IsoListing();
  }
}

// FAT long names are UTF-16: an undecodable name is refused. The ISO keeps the bytes in Rock
// Ridge and puts '_' in the Joliet name, with a note.
TEST_P(HostileTreeTest, InvalidUtf8Name) {
  WriteWholeFile(src() / "bad-\xff\xfe.txt", "x\n");
  if (fat()) return ExpectRefused(".txt", "not valid UTF-8");
  auto r = WriteConfined();
  ExpectJudgedClean(r);
  EXPECT_NE(r.output.find("not valid UTF-8"), std::string::npos) << r.output;
}

TEST_P(HostileTreeTest, ControlCharactersInNames) {
  WriteWholeFile(src() / "new\nline.txt", "x\n");
  WriteWholeFile(src() / "tab\there", "x\n");
  if (fat()) return ExpectRefused("control character 0x0a", "which FAT cannot store");
  ExpectJudgedClean(WriteConfined());
}

// FAT compares names without case: two names that differ only in case are refused. ISO9660
// names are upper case: the ISO writer gives the second a distinct identifier; Rock Ridge and
// Joliet keep both as they are.
TEST_P(HostileTreeTest, NamesDifferingOnlyInCase) {
  WriteWholeFile(src() / "README", "upper\n");
  WriteWholeFile(src() / "readme", "lower\n");
  if (fat()) return ExpectRefused("readme", "case is ignored");
  auto r = WriteConfined();
  ExpectJudgedClean(r);
  if (testing::HaveTool("xorriso")) {
    std::string listing = IsoListing();
    EXPECT_NE(listing.find("'/README'"), std::string::npos) << listing;
    EXPECT_NE(listing.find("'/readme'"), std::string::npos) << listing;
  }
}

INSTANTIATE_TEST_SUITE_P(Writers, HostileTreeTest,
                         ::testing::Values(Writer::kFormat, Writer::kIso, Writer::kUsb),
                         [](const auto& info) { return WriterName(info.param); });

// Boot paths are relative to the source directory: ".." or an absolute path never reaches a
// file outside it.
TEST(HostileIsoBootPaths, DotDotAndAbsolutePathsAreRefused) {
  testing::TempDir dir;
  fs::create_directories(dir / "src");
  WriteWholeFile(dir / "src/ok.txt", "fine\n");
  WriteWholeFile(dir / "secret.bin", std::string(2048, 's'));
  for (const std::vector<std::string>& option :
       std::vector<std::vector<std::string>>{{"--bios-boot", "../secret.bin"},
                                             {"--efi-boot", "../secret.bin"},
                                             {"--efi-dir", ".."},
                                             {"--bios-boot", (dir / "secret.bin").string()}}) {
    std::vector<std::string> args = {"iso", dir / "src", "-o", dir / "out.iso"};
    args.insert(args.end(), option.begin(), option.end());
    auto r = RunMediaforge(args, 120);
    EXPECT_EQ(r.exit_code, 2) << option[0] << " " << option[1] << ": " << r.output;
    EXPECT_NE(r.output.find(option[1]), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir / "out.iso")) << option[0] << " " << option[1];
  }
}

}  // namespace
}  // namespace mediaforge
