// The destination: one temporary-file policy for image files (O_TMPFILE or a hidden sibling),
// commit by rename with the directory fsynced, abort leaving an existing file untouched and
// nothing behind, block devices only after the guard, and volume sets all or nothing.
#include "engine/destination.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "device/target.h"
#include "tests/support/test_support.h"

namespace mediaforge::engine {
namespace {

using testing::ReadWholeFile;
constexpr auto Entries = testing::DirectoryEntries;
using testing::TempDir;
using testing::WriteWholeFile;

std::string Text(const std::filesystem::path& p) {
  auto v = ReadWholeFile(p);
  return std::string(v.begin(), v.end());
}

void Put(Destination& d, const std::string& text) {
  ASSERT_TRUE(d.target().Resize(text.size()).ok());
  ASSERT_TRUE(device::WriteFully(d.target(), std::as_bytes(std::span(text)), 0).ok());
}

// Writes `text`, commits, and checks: the content, the mode, the directory synced, and that the
// file is the only entry of its directory.
void CommitAndExpect(Destination& d, const std::string& text, mode_t mode) {
  Put(d, text);
  ASSERT_TRUE(d.Commit().ok());
  EXPECT_TRUE(d.committed());
  EXPECT_TRUE(d.directory_synced());
  const std::filesystem::path path = d.path();
  EXPECT_EQ(Text(path), text);
  EXPECT_EQ(Entries(path.parent_path()), std::vector<std::string>{path.filename().string()});
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, mode);
}

class DestinationTest : public ::testing::TestWithParam<bool> {
 protected:
  DestinationOptions Options() const { return {.unnamed_temp_file = GetParam()}; }
};

TEST_P(DestinationTest, NewFileAppearsOnlyOnCommit) {
  TempDir dir;
  const std::string path = (dir / "new.img").string();
  auto d = Destination::Open(path, Options());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE((*d)->is_device());
  EXPECT_EQ((*d)->target().path(), path);  // messages name the user's path, not the temp file
  if (GetParam()) {
    // ext4/tmpfs/xfs/btrfs all have O_TMPFILE: the file has no name while it is written.
    EXPECT_EQ((*d)->temp_file_kind(), TempFileKind::kUnnamed);
    EXPECT_TRUE(Entries(dir.path()).empty());
  } else {
    EXPECT_EQ((*d)->temp_file_kind(), TempFileKind::kHiddenSibling);
    auto names = Entries(dir.path());
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(names[0].rfind(".new.img.mediaforge-", 0), 0u) << names[0];
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  CommitAndExpect(**d, "fresh content", 0644);
}

TEST_P(DestinationTest, CommitReplacesAnExistingFileKeepingItsMode) {
  TempDir dir;
  const auto path = dir / "old.img";
  WriteWholeFile(path, "old content that is longer");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto d = Destination::Open(path.string(), Options());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(Text(path), "old content that is longer");  // untouched while writing
  CommitAndExpect(**d, "new", 0600);
}

TEST_P(DestinationTest, AbortAndDestructionLeaveTheOldFileAndNothingElse) {
  TempDir dir;
  const auto path = dir / "keep.img";
  WriteWholeFile(path, "precious");
  {
    auto d = Destination::Open(path.string(), Options());
    ASSERT_TRUE(d.ok()) << d.status();
    Put(**d, "half-written replacement");
    (*d)->Abort();
    (*d)->Abort();  // idempotent
  }
  {
    auto d = Destination::Open(path.string(), Options());
    ASSERT_TRUE(d.ok()) << d.status();
    Put(**d, "never committed");
  }  // destroyed without Commit()
  EXPECT_EQ(Text(path), "precious");
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"keep.img"});
}

INSTANTIATE_TEST_SUITE_P(TempFiles, DestinationTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Unnamed" : "HiddenSibling"; });

TEST(Destination, RefusesDirectoriesAndOtherFiles) {
  TempDir dir;
  auto d = Destination::Open(dir.path().string());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("is a directory"), std::string::npos) << d.status();
  auto n = Destination::Open("/dev/null");
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("not a block device or regular file"), std::string::npos);
  auto missing = Destination::Open((dir / "no" / "such" / "dir.img").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_NE(missing.status().message().find("dir.img"), std::string::npos);
}

TEST(Destination, BlockDeviceOnlyAfterTheGuard) {
  TempDir dir;
  std::string why;
  auto loop = testing::LoopDevice::AttachBlank(dir / "backing", 4 << 20, false, false, &why);
  if (!loop) GTEST_SKIP() << "no loop device: " << why;
  auto refused = Destination::Open(loop->path());
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("guard"), std::string::npos);

  auto d = Destination::Open(loop->path(), {.device_guard_passed = true});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE((*d)->is_device());
  EXPECT_FALSE((*d)->fresh());
  EXPECT_TRUE((*d)->target().is_block_device());
  // Exclusive: a second writer is refused while this one holds it.
  EXPECT_FALSE(Destination::Open(loop->path(), {.device_guard_passed = true}).ok());
  ASSERT_TRUE((*d)->Commit().ok());
  EXPECT_FALSE((*d)->directory_synced());
}

TEST(VolumeSet, CommitsEveryVolume) {
  TempDir dir;
  WriteWholeFile(dir / "v-02.iso", "old two");
  std::vector<std::string> paths = {(dir / "v-01.iso").string(), (dir / "v-02.iso").string(),
                                    (dir / "v-03.iso").string()};
  auto set = VolumeSet::Open(paths);
  ASSERT_TRUE(set.ok()) << set.status();
  for (size_t i = 0; i < set->size(); ++i) Put((*set)[i], "volume " + std::to_string(i + 1));
  ASSERT_TRUE(set->Commit().ok());
  EXPECT_EQ(Text(paths[0]), "volume 1");
  EXPECT_EQ(Text(paths[1]), "volume 2");
  EXPECT_EQ(Text(paths[2]), "volume 3");
  EXPECT_EQ(Entries(dir.path()), (std::vector<std::string>{"v-01.iso", "v-02.iso", "v-03.iso"}));
}

TEST(VolumeSet, OneFailedRenamePutsEveryVolumeBack) {
  for (bool unnamed : {true, false}) {
    TempDir dir;
    WriteWholeFile(dir / "v-01.iso", "old one");
    WriteWholeFile(dir / "v-02.iso", "old two");
    std::vector<std::string> paths = {(dir / "v-01.iso").string(), (dir / "v-02.iso").string(),
                                      (dir / "v-03.iso").string()};
    auto set = VolumeSet::Open(paths, {.unnamed_temp_file = unnamed});
    ASSERT_TRUE(set.ok()) << set.status();
    for (size_t i = 0; i < set->size(); ++i) Put((*set)[i], "new " + std::to_string(i + 1));
    // Something takes the third name meanwhile: a directory a file cannot replace.
    std::filesystem::create_directory(dir / "v-03.iso");
    std::filesystem::create_directory(dir / "v-03.iso" / "inside");
    auto s = set->Commit();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("v-03.iso"), std::string::npos) << s;
    EXPECT_NE(s.message().find("none was replaced"), std::string::npos) << s;
    EXPECT_EQ(Text(paths[0]), "old one");
    EXPECT_EQ(Text(paths[1]), "old two");
    EXPECT_TRUE(std::filesystem::is_directory(dir / "v-03.iso" / "inside"));
    EXPECT_EQ(Entries(dir.path()), (std::vector<std::string>{"v-01.iso", "v-02.iso", "v-03.iso"}))
        << "unnamed=" << unnamed;
  }
}

TEST(VolumeSet, DestroyedUncommittedLeavesNothing) {
  TempDir dir;
  WriteWholeFile(dir / "a.iso", "old");
  {
    auto set = VolumeSet::Open({(dir / "a.iso").string(), (dir / "b.iso").string()},
                               {.unnamed_temp_file = false});
    ASSERT_TRUE(set.ok()) << set.status();
    Put((*set)[0], "x");
  }
  EXPECT_EQ(Text(dir / "a.iso"), "old");
  EXPECT_EQ(Entries(dir.path()), std::vector<std::string>{"a.iso"});
}

}  // namespace
}  // namespace mediaforge::engine
