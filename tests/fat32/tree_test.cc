// Trees written by `mediaforge format --from`: mtools lists exactly the source names and copies
// back byte-identical files; names outside the BMP (emoji), which mtools 4.0.32 mangles, are
// checked with our reader, down to the surrogate pairs in the LFN entries.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "fs/fat32/fat32.h"
#include "fs/fat32/long_names.h"
#include "fs/fat32/on_disk.h"
#include "tests/fat32/fat_test_util.h"

namespace mediaforge::fat32 {
namespace {

using namespace testutil;

// The BMP part of the tree (mtools judges it) and an emoji directory (our reader judges it).
void BuildTree(const fs::path& src, uint32_t cluster) {
  fs::create_directories(src / "docs/empty dir");
  fs::create_directories(src / "EFI/BOOT");
  WriteWholeFile(src / "README.TXT", "upper 8.3\n");
  WriteWholeFile(src / "lower.txt", "lower 8.3\n");
  WriteWholeFile(src / "MIXED.txt", "upper base, lower ext\n");
  WriteWholeFile(src / "CamelCase.Txt", "needs a long name\n");
  WriteWholeFile(src / "A name with spaces and a very long tail, to need several LFN entries.txt",
                 "long\n");
  WriteWholeFile(src /
                     "caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
                     "e.txt",
                 "accents\n");
  WriteWholeFile(
      src / "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE5\x90\x8D\xE5\x89\x8D.txt",
      "cjk\n");
  WriteWholeFile(src / ".hidden", "dot file\n");
  WriteWholeFile(src / "no_extension", "x");
  WriteWholeFile(src / "many.dots.in.name.tar.gz", "x");
  WriteWholeFile(src / "docs/empty.bin", "");
  WritePatternFile(src / "EFI/BOOT/BOOTX64.EFI", 300000, 1);
  for (int64_t delta : {-1, 0, 1}) {
    WritePatternFile(src / "docs" / absl::StrCat("one_cluster", delta, ".bin"), cluster + delta, 2);
    WritePatternFile(src / "docs" / absl::StrCat("two_clusters", delta, ".bin"),
                     2 * cluster + delta, 3);
  }
  fs::path deep = src / "deep";
  for (int i = 0; i < 25; ++i) deep /= absl::StrCat("level ", i);
  fs::create_directories(deep);
  WriteWholeFile(deep / "bottom.txt", "deep\n");
  fs::create_directories(src / "big dir");
  for (int i = 0; i < 3000; ++i) {
    WriteWholeFile(src / "big dir" / absl::StrCat("entry number ", i, ".dat"), absl::StrCat(i));
  }
  fs::create_directories(src / "emoji");
  WriteWholeFile(src / "emoji/smile \xF0\x9F\x98\x80.txt", "emoji\n");
  WriteWholeFile(src / "emoji/\xF0\x9F\x9A\x80\xF0\x9F\x8C\x8D", "rocket earth\n");
}

// mdir -/ -a -b lists every path as ::/a/b (long names when present).
std::vector<std::string> MtoolsPaths(const std::string& img) {
  auto r = testing::Run({"mdir", "-/", "-a", "-b", "-i", img, "::/"}, 120);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> out;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("::/", 0) != 0) continue;
    std::string p = line.substr(3);
    if (p.rfind("emoji", 0) == 0) continue;  // mtools mangles non-BMP names (REFERENCE.md)
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One tree and one image for the whole suite (building 3000+ files takes a while).
class TreeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    BuildTree(*dir_ / "src", 4096);
    auto r = Format({(*dir_ / "tree.img").string(), "--size", "256M", "--cluster-size", "4K",
                     "--from", (*dir_ / "src").string(), "--label", "TREE"});
    format_output_ = new std::string(r.exit_code == 0 ? "" : r.output);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete format_output_;
  }
  void SetUp() override {
    ASSERT_EQ(*format_output_, "");
    src_ = *dir_ / "src";
    img_ = (*dir_ / "tree.img").string();
  }
  static TempDir* dir_;
  static std::string* format_output_;
  TempDir scratch_;
  fs::path src_;
  std::string img_;
};
TempDir* TreeTest::dir_ = nullptr;
std::string* TreeTest::format_output_ = nullptr;

TEST_F(TreeTest, FsckAndOurCheckerAreClean) {
  MF_REQUIRE_TOOL("fsck.fat");
  EXPECT_EQ(FsckProblems(img_), "");
  EXPECT_EQ(CheckerProblems(img_), "");
}

TEST_F(TreeTest, MdirShowsExactlyTheSourceNames) {
  MF_REQUIRE_TOOL("mdir");
  std::vector<std::string> expected;
  for (const auto& p : TreePaths(src_)) {
    if (p.rfind("emoji", 0) == 0) continue;
    expected.push_back(p);  // mdir -b marks directories with a trailing '/' too
  }
  EXPECT_EQ(MtoolsPaths(img_), expected);
}

TEST_F(TreeTest, McopyExtractsByteIdenticalFiles) {
  MF_REQUIRE_TOOL("mcopy");
  const fs::path out = scratch_ / "out";
  fs::create_directories(out);
  auto r = testing::Run({"mcopy", "-s", "-n", "-i", img_, "::/", out.string()}, 300);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto diff = testing::Run({"diff", "-r", "--exclude=emoji", src_.string(), out.string()}, 300);
  EXPECT_EQ(diff.exit_code, 0) << diff.output;
}

TEST_F(TreeTest, OurReaderExtractsEverythingIncludingEmojiNames) {
  auto target = OpenImage(img_);
  auto volume = OpenFatVolume(*target, 0);
  ASSERT_TRUE(volume.ok()) << volume.status();
  EXPECT_EQ((*volume)->label(), "TREE");
  const fs::path out = scratch_ / "ours";
  ASSERT_TRUE((*volume)->ExtractAll(out.string()).ok());
  auto diff = testing::Run({"diff", "-r", src_.string(), out.string()}, 300);
  EXPECT_EQ(diff.exit_code, 0) << diff.output;
  auto smile = (*volume)->Stat("/emoji/smile \xF0\x9F\x98\x80.txt");
  ASSERT_TRUE(smile.ok()) << smile.status();
  EXPECT_TRUE(smile->has_long_name);
  EXPECT_EQ(smile->size, 6u);
  auto upper = (*volume)->Stat("/readme.txt");  // case-insensitive lookup
  ASSERT_TRUE(upper.ok());
  EXPECT_FALSE(upper->has_long_name);
  EXPECT_EQ(upper->short_name, "README.TXT");
  auto lower = (*volume)->Stat("/lower.txt");
  ASSERT_TRUE(lower.ok());
  EXPECT_FALSE(lower->has_long_name) << "lower-case 8.3 names use the NTRes bits";
  EXPECT_EQ(lower->short_name, "lower.txt");
}

TEST_F(TreeTest, EmojiAreStoredAsSurrogatePairs) {
  auto target = OpenImage(img_);
  auto volume = OpenFatVolume(*target, 0);
  ASSERT_TRUE(volume.ok());
  auto smile = (*volume)->Stat("/emoji/smile \xF0\x9F\x98\x80.txt");
  ASSERT_TRUE(smile.ok());
  // The LFN entries sit just before the short entry, ordinal 1 nearest; read them raw.
  std::u16string units;
  uint8_t ordinal = 0;
  for (uint64_t at = smile->entry_offset - 32; (ordinal & 0x40) == 0; at -= 32) {
    LfnEntry lfn;
    ASSERT_TRUE(device::ReadFully(*target, std::as_writable_bytes(std::span(&lfn, 1)), at).ok());
    ASSERT_EQ(lfn.attributes, DirEntry::kLongName);
    ordinal = lfn.ordinal;
    const auto* b = reinterpret_cast<const uint8_t*>(&lfn);
    for (int off : {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30}) {
      units.push_back(static_cast<char16_t>(b[off] | (b[off + 1] << 8)));
    }
  }
  const std::u16string want = u"smile \xD83D\xDE00.txt";
  EXPECT_EQ(units.substr(0, want.size()), want);
  EXPECT_EQ(units[want.size()], u'\0');
  EXPECT_EQ(ordinal, 0x41);
}

TEST_F(TreeTest, FilesAreContiguous) {
  auto target = OpenImage(img_);
  auto volume = OpenFatVolume(*target, 0);
  ASSERT_TRUE(volume.ok());
  auto all = (*volume)->List();
  ASSERT_TRUE(all.ok());
  EXPECT_GT(all->size(), 3000u);
  for (const auto& f : *all) {
    if (f.first_cluster == 0) continue;
    auto chain = (*volume)->Chain(f.first_cluster);
    ASSERT_TRUE(chain.ok()) << f.path;
    for (size_t i = 1; i < chain->size(); ++i) {
      ASSERT_EQ((*chain)[i], (*chain)[i - 1] + 1) << f.path << " is fragmented";
    }
  }
}

TEST(TreeLimits, DirectoryOfThousandsOfShortNames) {
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  fs::create_directories(dir / "src/flat");
  for (int i = 0; i < 20000; ++i) {
    WriteWholeFile(dir / "src/flat" / absl::StrCat("F", i, ".TXT"), "");
  }
  const std::string img = (dir / "flat.img").string();
  auto r = Format({img, "--size", "64M", "--from", (dir / "src").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(FsckProblems(img), "");
  EXPECT_EQ(CheckerProblems(img), "");
  auto target = OpenImage(img);
  auto volume = OpenFatVolume(*target, 0);
  ASSERT_TRUE(volume.ok());
  auto all = (*volume)->List();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 20001u);
}

TEST(TreeLimits, Fat16RootGrowsForManyEntries) {
  MF_REQUIRE_TOOL("fsck.fat");
  TempDir dir;
  fs::create_directories(dir / "src");
  for (int i = 0; i < 700; ++i) WriteWholeFile(dir / "src" / absl::StrCat("file ", i), "x");
  const std::string img = (dir / "small.img").string();
  auto r = Format({img, "--size", "8M", "--from", (dir / "src").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"FAT16\""), std::string::npos) << r.output;
  EXPECT_EQ(FsckProblems(img), "");
  EXPECT_EQ(CheckerProblems(img), "");
}

}  // namespace
}  // namespace mediaforge::fat32
