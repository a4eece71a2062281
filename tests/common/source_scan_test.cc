// The one source-tree scan (fs/common/source_scan.h) and the two passes over it: FAT's
// pre-flight (fs/fat32/tree_planner.h) and the ISO tree (fs/iso9660/source_tree.h). Hostile
// trees: loops, dangling and absolute links, special files, names FAT cannot hold, deep nesting.
#include "fs/common/source_scan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "fs/fat32/tree_planner.h"
#include "fs/iso9660/source_tree.h"
#include "gtest/gtest.h"
#include "tests/support/test_support.h"

namespace mediaforge::common {
namespace {

namespace fs = std::filesystem;
using testing::WriteWholeFile;

const SourceEntry* Child(const SourceEntry& dir, const std::string& name) {
  for (const SourceEntry& c : dir.children) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string ProblemsText(const SourceEntry& root) {
  std::string out;
  for (const auto& p : ScanProblems(root)) out += p.where + ": " + p.what + "\n";
  return out;
}

class SourceScan : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(src_ / "dir/sub");
    WriteWholeFile(src_ / "b.txt", "bb");
    WriteWholeFile(src_ / "a.txt", "a");
    WriteWholeFile(src_ / "dir/sub/deep.bin", "12345");
  }
  testing::TempDir dir_;
  fs::path src_ = dir_ / "src";
};

TEST_F(SourceScan, NamesSizesAndByteOrder) {
  auto root = ScanSource(src_.string() + "//", {});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root->path, src_.string());  // trailing slashes dropped
  EXPECT_TRUE(root->is_directory());
  ASSERT_EQ(root->children.size(), 3u);
  EXPECT_EQ(root->children[0].name, "a.txt");
  EXPECT_EQ(root->children[1].name, "b.txt");
  EXPECT_EQ(root->children[2].name, "dir");
  EXPECT_EQ(root->children[1].size, 2u);
  EXPECT_EQ(root->children[1].path, (src_ / "b.txt").string());
  const SourceEntry* deep = Child(*Child(*Child(*root, "dir"), "sub"), "deep.bin");
  ASSERT_NE(deep, nullptr);
  EXPECT_TRUE(deep->is_file());
  EXPECT_EQ(deep->size, 5u);
  EXPECT_EQ(ProblemsText(*root), "");
}

TEST_F(SourceScan, HardLinksShareAnIdentity) {
  fs::create_hard_link(src_ / "a.txt", src_ / "dir/a-again.txt");
  auto root = ScanSource(src_.string(), {});
  ASSERT_TRUE(root.ok()) << root.status();
  const SourceEntry* a = Child(*root, "a.txt");
  const SourceEntry* again = Child(*Child(*root, "dir"), "a-again.txt");
  ASSERT_TRUE(a && again);
  EXPECT_EQ(a->identity, again->identity);
  EXPECT_EQ(a->link_count, 2u);
  EXPECT_NE(a->identity, Child(*root, "b.txt")->identity);
}

TEST_F(SourceScan, LinksFollowedOrKept) {
  fs::create_symlink("a.txt", src_ / "rel-link");
  fs::create_symlink((src_ / "dir").string(), src_ / "abs-link");
  auto followed = ScanSource(src_.string(), {.symlinks = SymlinkPolicy::kFollow});
  ASSERT_TRUE(followed.ok()) << followed.status();
  EXPECT_TRUE(Child(*followed, "rel-link")->is_file());
  EXPECT_EQ(Child(*followed, "rel-link")->size, 1u);
  EXPECT_TRUE(Child(*followed, "abs-link")->is_directory());
  EXPECT_NE(Child(*Child(*followed, "abs-link"), "sub"), nullptr);

  auto kept = ScanSource(src_.string(), {.symlinks = SymlinkPolicy::kKeep});
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(Child(*kept, "rel-link")->kind, SourceKind::kSymlink);
  EXPECT_EQ(Child(*kept, "rel-link")->symlink_target, "a.txt");
  EXPECT_EQ(Child(*kept, "abs-link")->symlink_target, (src_ / "dir").string());
  EXPECT_TRUE(Child(*kept, "abs-link")->children.empty());
  EXPECT_EQ(ProblemsText(*kept), "");
}

TEST_F(SourceScan, LoopsAndDanglingLinksNameThePath) {
  fs::create_directory_symlink("..", src_ / "dir/up");
  fs::create_symlink("nowhere", src_ / "dangling");
  fs::create_symlink("self", src_ / "self");
  auto root = ScanSource(src_.string(), {.symlinks = SymlinkPolicy::kFollow});
  ASSERT_TRUE(root.ok()) << root.status();
  const std::string text = ProblemsText(*root);
  EXPECT_NE(text.find((src_ / "dir/up").string() + ": symbolic link loop"), std::string::npos)
      << text;
  EXPECT_NE(text.find((src_ / "dangling").string() + ": symbolic link whose target is missing"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find((src_ / "self").string() + ": symbolic link whose target is missing"),
            std::string::npos)
      << text;
  // Kept links are not followed: neither is a problem.
  auto kept = ScanSource(src_.string(), {.symlinks = SymlinkPolicy::kKeep});
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(ProblemsText(*kept), "");
}

TEST_F(SourceScan, SpecialFilesAreProblems) {
  ASSERT_EQ(::mkfifo((src_ / "dir/fifo").c_str(), 0644), 0);
  for (SymlinkPolicy policy : {SymlinkPolicy::kFollow, SymlinkPolicy::kKeep}) {
    auto root = ScanSource(src_.string(), {.symlinks = policy});
    ASSERT_TRUE(root.ok());
    const std::string text = ProblemsText(*root);
    EXPECT_NE(text.find((src_ / "dir/fifo").string() + ": not a regular file"), std::string::npos)
        << text;
  }
}

TEST_F(SourceScan, UnreadableEntriesAreProblems) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads every file and directory";
  fs::permissions(src_ / "a.txt", fs::perms::none);
  fs::permissions(src_ / "dir/sub", fs::perms::none);
  auto root = ScanSource(src_.string(), {});
  fs::permissions(src_ / "dir/sub", fs::perms::owner_all);
  ASSERT_TRUE(root.ok());
  const std::string text = ProblemsText(*root);
  EXPECT_NE(text.find((src_ / "a.txt").string() + ": cannot read"), std::string::npos) << text;
  EXPECT_NE(text.find((src_ / "dir/sub").string() + ": cannot open directory"), std::string::npos)
      << text;
}

TEST_F(SourceScan, NestingBeyondTheLimitIsNotRead) {
  fs::path p = src_ / "n";
  for (int level = 1; level <= kMaxScanDepth + 1; ++level) {
    fs::create_directory(p);
    if (level <= kMaxScanDepth) p /= "n";
  }
  auto root = ScanSource(src_.string(), {});
  ASSERT_TRUE(root.ok());
  auto problems = ScanProblems(*root);
  ASSERT_EQ(problems.size(), 1u) << ProblemsText(*root);
  EXPECT_EQ(problems[0].where, p.string());
  EXPECT_NE(problems[0].what.find("levels"), std::string::npos);
}

TEST_F(SourceScan, ExcludedFilesAreLeftOut) {
  struct stat st;
  ASSERT_EQ(::stat((src_ / "b.txt").c_str(), &st), 0);
  auto root = ScanSource(src_.string(), {.exclude = {{st.st_dev, st.st_ino}}});
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(Child(*root, "b.txt"), nullptr);
  EXPECT_NE(Child(*root, "a.txt"), nullptr);
}

TEST_F(SourceScan, TheRootMustBeADirectory) {
  auto missing = ScanSource((dir_ / "nope").string(), {});
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_NE(missing.status().message().find((dir_ / "nope").string()), std::string::npos);
  auto file = ScanSource((src_ / "a.txt").string(), {});
  EXPECT_TRUE(absl::IsInvalidArgument(file.status()));
  fs::create_directory_symlink(src_, dir_ / "linked-root");
  auto linked = ScanSource((dir_ / "linked-root").string(), {.symlinks = SymlinkPolicy::kKeep});
  ASSERT_TRUE(linked.ok()) << linked.status();
  EXPECT_EQ(linked->children.size(), 3u);
}

// The FAT pass: the scan's problems and FAT's own, in tree order, in one error.
TEST_F(SourceScan, FatPreflightListsEveryProblemInTreeOrder) {
  WriteWholeFile(src_ / "dir/Readme", "x");
  WriteWholeFile(src_ / "dir/README", "y");
  WriteWholeFile(src_ / "dir/ctrl\x01name", "z");
  WriteWholeFile(src_ / "dir/bad\xFFutf8", "z");
  fs::create_symlink("nowhere", src_ / "dir/dangling");
  auto tree = fat32::ScanSourceTree(src_.string());
  ASSERT_FALSE(tree.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(tree.status()));
  const std::string msg(tree.status().message());
  const size_t collide = msg.find((src_ / "dir/Readme").string() + ": name collides with 'README'");
  const size_t utf8 = msg.find((src_ / "dir/bad\xFFutf8").string() + ": name is not valid UTF-8");
  const size_t ctrl = msg.find((src_ / "dir/ctrl\x01name").string() + ": name holds control");
  const size_t dangling = msg.find((src_ / "dir/dangling").string() + ": symbolic link");
  EXPECT_NE(msg.find("4 problem(s)"), std::string::npos) << msg;
  ASSERT_NE(collide, std::string::npos) << msg;
  ASSERT_NE(utf8, std::string::npos) << msg;
  ASSERT_NE(ctrl, std::string::npos) << msg;
  ASSERT_NE(dangling, std::string::npos) << msg;
  EXPECT_LT(collide, utf8);  // byte order: "README" < "Readme" < "bad..." < "ctrl..." < "dan..."
  EXPECT_LT(utf8, ctrl);
  EXPECT_LT(ctrl, dangling);
}

TEST_F(SourceScan, FatPreflightCountsAndFollowsLinks) {
  fs::create_symlink("a.txt", src_ / "link.txt");
  auto tree = fat32::ScanSourceTree(src_.string());
  ASSERT_TRUE(tree.ok()) << tree.status();
  EXPECT_EQ(tree->files, 4u);  // a.txt, b.txt, deep.bin, link.txt
  EXPECT_EQ(tree->directories, 2u);
  EXPECT_EQ(tree->file_bytes, 1u + 2u + 5u + 1u);
  ASSERT_EQ(tree->root.children.size(), 4u);
  EXPECT_EQ(tree->root.children[3].name, "link.txt");
  EXPECT_EQ(tree->root.children[3].path, (src_ / "link.txt").string());
}

TEST_F(SourceScan, FatSubstitutesAreCheckedLikeScannedNames) {
  fat32::SourceSubstitution sub;
  sub.source_path = (src_ / "b.txt").string();
  fat32::SourceNode part;
  part.name = "A.TXT";  // collides with a.txt
  part.path = (src_ / "a.txt").string();
  sub.files.push_back(part);
  part.name = "b.swm";
  sub.files.push_back(part);
  auto tree = fat32::ScanSourceTree(src_.string(), {sub});
  ASSERT_FALSE(tree.ok());
  EXPECT_NE(tree.status().message().find("A.TXT: name collides with 'a.txt'"), std::string::npos)
      << tree.status();
  sub.files.erase(sub.files.begin());
  tree = fat32::ScanSourceTree(src_.string(), {sub});
  ASSERT_TRUE(tree.ok()) << tree.status();
  ASSERT_EQ(tree->root.children.size(), 3u);
  EXPECT_EQ(tree->root.children[1].name, "b.swm");
}

// The ISO tree: links kept, hard links marked, names untouched (ISO naming is its own pass).
TEST_F(SourceScan, IsoTreeKeepsLinksAndMarksHardLinks) {
  fs::create_symlink("/etc/hostname", src_ / "abs");
  fs::create_hard_link(src_ / "a.txt", src_ / "dir/a2");
  WriteWholeFile(src_ / "Case", "1");
  WriteWholeFile(src_ / "case", "2");
  auto root = iso9660::ScanSourceTree(src_.string());
  ASSERT_TRUE(root.ok()) << root.status();
  iso9660::SourceNode* abs = iso9660::FindNode(**root, "abs");
  ASSERT_NE(abs, nullptr);
  EXPECT_EQ(abs->kind, iso9660::SourceNode::Kind::kSymlink);
  EXPECT_EQ(abs->symlink_target, "/etc/hostname");
  iso9660::SourceNode* a2 = iso9660::FindNode(**root, "dir/a2");
  ASSERT_TRUE(a2 && a2->hard_link);
  EXPECT_EQ(a2->hard_link, iso9660::FindNode(**root, "a.txt")->hard_link);
  EXPECT_EQ(a2->source_path, (src_ / "dir/a2").string());
  EXPECT_EQ(a2->RelativePath(), "dir/a2");
  EXPECT_NE(iso9660::FindNode(**root, "Case"), nullptr);
  EXPECT_NE(iso9660::FindNode(**root, "case"), nullptr);
}

TEST_F(SourceScan, IsoTreeRefusesSpecialFilesNamingThem) {
  ASSERT_EQ(::mkfifo((src_ / "dir/fifo").c_str(), 0644), 0);
  auto root = iso9660::ScanSourceTree(src_.string());
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find((src_ / "dir/fifo").string()), std::string::npos)
      << root.status();
  EXPECT_NE(root.status().message().find("nothing was written"), std::string::npos);
}

}  // namespace
}  // namespace mediaforge::common
