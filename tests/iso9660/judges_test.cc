// `mediaforge iso` output judged by outside readers: xorriso/osirrox (Rock Ridge tree, El Torito
// and system area reports), isoinfo (ISO9660 + Joliet listing), 7z; reproducible builds; the old
// OUT.iso surviving a failed run; a > 4 GiB sparse file stored as multiple extents.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "device/target.h"
#include "fs/iso9660/iso9660.h"
#include "tests/iso9660/iso_test_util.h"
#include "tests/support/test_support.h"

namespace mediaforge::testing {
namespace {
namespace fs = std::filesystem;

// MakeSampleTree as `dir`/src, written by `mediaforge iso` to `dir`/out.iso with `flags`.
CommandResult MakeSampleIso(const fs::path& dir, const std::vector<std::string>& flags = {}) {
  MakeSampleTree(dir / "src");
  std::vector<std::string> args = {(dir / "src").string(), "-o", (dir / "out.iso").string()};
  args.insert(args.end(), flags.begin(), flags.end());
  return RunMediaforgeIso(args);
}

// The outside judge: osirrox extracts `dir`/out.iso as `dir`/x, the same tree as `dir`/src.
void ExpectOsirroxExtractsTheSource(const fs::path& dir) {
  auto x = OsirroxExtract(dir / "out.iso", dir / "x");
  ASSERT_EQ(x.exit_code, 0) << x.output;
  std::string why;
  EXPECT_TRUE(SameTree(dir / "src", dir / "x", &why)) << why;
}

TEST(IsoJudges, OsirroxExtractsTheSameTreeWithNames) {
  MF_REQUIRE_TOOL("osirrox");
  TempDir dir;
  auto r = MakeSampleIso(dir.path(), {"--label", "Sample Vol"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectOsirroxExtractsTheSource(dir.path());
}

TEST(IsoJudges, IsoinfoSeesJolietAndRockRidgeAndTheLabel) {
  MF_REQUIRE_TOOL("isoinfo");
  TempDir dir;
  auto r = MakeSampleIso(dir.path(), {"--label", "MY_LABEL"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto d = Isoinfo(dir / "out.iso", {"-d"});
  EXPECT_NE(d.output.find("Volume id: MY_LABEL"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("Joliet with UCS level 3 found"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("Rock Ridge signatures version 1 found"), std::string::npos) << d.output;
  auto j = Isoinfo(dir / "out.iso", {"-J", "-l"});
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_NE(j.output.find("README.txt"), std::string::npos) << j.output;
  EXPECT_NE(j.output.find("collision_prefix_that_is_long_17.txt"), std::string::npos);
  EXPECT_NE(j.output.find("Directory listing of /docs/deep/deeper/deepest/"), std::string::npos);
  // Plain ISO9660 names: upper case d-characters with version.
  auto l = Isoinfo(dir / "out.iso", {"-l"});
  EXPECT_NE(l.output.find("README.TXT;1"), std::string::npos) << l.output;
}

TEST(IsoJudges, NoJolietNoRockRidge) {
  MF_REQUIRE_TOOL("isoinfo");
  TempDir dir;
  auto r = MakeSampleIso(dir.path(), {"--no-joliet", "--no-rock-ridge"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto d = Isoinfo(dir / "out.iso", {"-d"});
  EXPECT_NE(d.output.find("NO Joliet present"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("NO Rock Ridge present"), std::string::npos) << d.output;
}

TEST(IsoJudges, SevenZipListsEveryFile) {
  MF_REQUIRE_TOOL("7z");
  TempDir dir;
  auto r = MakeSampleIso(dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto l = testing::Run({"7z", "l", (dir / "out.iso").string()});
  ASSERT_EQ(l.exit_code, 0) << l.output;
  EXPECT_NE(l.output.find("docs/pattern.dat"), std::string::npos) << l.output;
  EXPECT_NE(l.output.find("3000123"), std::string::npos) << l.output;
  EXPECT_NE(l.output.find("Ünïcödé – naïve.txt"), std::string::npos) << l.output;
}

TEST(IsoJudges, ReproducibleWithDate) {
  TempDir dir;
  MakeSampleTree(dir / "src");
  WriteWholeFile(dir / "src" / "efi.img", std::string(1 << 20, '\0'));
  for (const char* out : {"a.iso", "b.iso"}) {
    auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / out).string(), "--date",
                               "1700000000", "--efi-boot", "efi.img", "--hybrid"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    sleep(1);  // the clock moves between the runs; the output must not
  }
  EXPECT_TRUE(ReadWholeFile(dir / "a.iso") == ReadWholeFile(dir / "b.iso"));
  // SOURCE_DATE_EPOCH does the same.
  auto r = RunShell("SOURCE_DATE_EPOCH=1700000000 '" + MediaforgeCli() + "' iso '" +
                    (dir / "src").string() + "' -o '" + (dir / "c.iso").string() +
                    "' --efi-boot efi.img --hybrid");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(ReadWholeFile(dir / "a.iso") == ReadWholeFile(dir / "c.iso"));
}

TEST(IsoJudges, OutputInsideTheSourceIsLeftOut) {
  TempDir dir;
  MakeSampleTree(dir / "src");
  WriteWholeFile(dir / "src" / "out.iso", "old image");
  auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / "src" / "out.iso").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto target = device::OpenTarget((dir / "src" / "out.iso").string(), {.direct = false});
  ASSERT_TRUE(target.ok());
  auto image = iso9660::OpenIso(**target);
  ASSERT_TRUE(image.ok()) << image.status();
  for (const auto& e : image->entries) EXPECT_NE(e.path, "out.iso");
  EXPECT_GT(image->entries.size(), 10u);
}

TEST(IsoJudges, ReproducibleWithEfiDir) {
  TempDir dir;
  MakeSampleTree(dir / "src");
  for (const char* out : {"a.iso", "b.iso"}) {
    auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / out).string(), "--date",
                               "1700000000", "--efi-dir", "names", "--hybrid"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    sleep(1);
  }
  EXPECT_TRUE(ReadWholeFile(dir / "a.iso") == ReadWholeFile(dir / "b.iso"));
  auto target = device::OpenTarget((dir / "a.iso").string(), {.direct = false});
  ASSERT_TRUE(target.ok());
  auto problems = iso9660::CheckIso(**target);
  EXPECT_TRUE(problems.empty()) << problems.front().where << ": " << problems.front().what;
}

TEST(IsoJudges, FailureLeavesExistingOutputUntouched) {
  TempDir dir;
  MakeSampleTree(dir / "src");
  WriteWholeFile(dir / "out.iso", "previous image");
  // A boot file outside the tree: refused before anything is written.
  auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / "out.iso").string(),
                             "--bios-boot", "no/such/file.bin"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no/such/file.bin"), std::string::npos) << r.output;
  auto content = ReadWholeFile(dir / "out.iso");
  EXPECT_EQ(std::string(content.begin(), content.end()), "previous image");
}

// A small tmpfs this test mounted, unmounted in every exit path.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const fs::path& at) : at_(at) {
    fs::create_directories(at);
    mounted_ =
        testing::Run({"mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", at.string()}).exit_code ==
        0;
  }
  ~SmallTmpfs() {
    if (mounted_) testing::Run({"umount", at_.string()});
  }
  bool mounted() const { return mounted_; }

 private:
  fs::path at_;
  bool mounted_ = false;
};

TEST(IsoJudges, DiskFullKeepsOldImageAndNamesTheOffset) {
  TempDir dir;
  fs::create_directories(dir / "src");
  WritePatternFile(dir / "src" / "big.bin", 5'000'000, 4);
  SmallTmpfs small(dir / "full");
  if (!small.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  WriteWholeFile(dir / "full" / "out.iso", "previous image");
  auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / "full" / "out.iso").string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("No space left on device"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("byte offset"), std::string::npos) << r.output;
  auto content = ReadWholeFile(dir / "full" / "out.iso");
  EXPECT_EQ(std::string(content.begin(), content.end()), "previous image");
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir / "full")) entries += e.exists() ? 1 : 0;
  EXPECT_EQ(entries, 1u) << "a temporary file was left behind";
}

TEST(IsoJudges, LargeSparseFileRoundTripsAsMultiExtent) {
  MF_REQUIRE_TOOL("osirrox");
  TempDir dir;
  fs::create_directories(dir / "src");
  const uint64_t size = (4ull << 30) + (300ull << 20) + 12345;
  {
    std::ofstream f(dir / "src" / "huge.bin", std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 5));
    f << "tail!";
    f.seekp(static_cast<std::streamoff>((4ull << 30) - 3));
    f << "4GiB-boundary";
    f.seekp(0);
    f << "head";
  }
  WriteWholeFile(dir / "src" / "small.txt", "small");
  auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / "out.iso").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto x = OsirroxExtract(dir / "out.iso", dir / "x");
  ASSERT_EQ(x.exit_code, 0) << x.output;
  ASSERT_EQ(fs::file_size(dir / "x" / "huge.bin"), size);
  auto c =
      testing::Run({"cmp", (dir / "src" / "huge.bin").string(), (dir / "x" / "huge.bin").string()});
  EXPECT_EQ(c.exit_code, 0) << c.output;
  // Our own reader sees one file of two extents, and the checker finds nothing wrong.
  auto target = device::OpenTarget((dir / "out.iso").string(), {.direct = false});
  ASSERT_TRUE(target.ok()) << target.status();
  auto image = iso9660::OpenIso(**target);
  ASSERT_TRUE(image.ok()) << image.status();
  bool found = false;
  for (const auto& e : image->entries) {
    if (e.path != "huge.bin") continue;
    found = true;
    EXPECT_EQ(e.size, size);
    EXPECT_EQ(e.extents.size(), 2u);
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(iso9660::CheckIso(**target).empty());
  auto l = Isoinfo(dir / "out.iso", {"-l"});
  // Two records of the same name: the first extent (flag 0x80) and the rest.
  size_t first = l.output.find("HUGE.BIN;1");
  ASSERT_NE(first, std::string::npos) << l.output;
  EXPECT_NE(l.output.find("HUGE.BIN;1", first + 1), std::string::npos) << l.output;
}

TEST(IsoJudges, MediaSizeSplitsIntoStandaloneVolumes) {
  MF_REQUIRE_TOOL("osirrox");
  TempDir dir;
  fs::create_directories(dir / "src" / "a");
  fs::create_directories(dir / "src" / "b");
  for (int i = 0; i < 6; ++i) {
    WritePatternFile(dir / "src" / (i % 2 ? "a" : "b") / ("f" + std::to_string(i)), 3 << 20, i);
  }
  auto r = RunMediaforgeIso(
      {(dir / "src").string(), "-o", (dir / "set.iso").string(), "--media-size", "8M", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_TRUE(fs::exists(dir / "set-01.iso")) << r.output;
  EXPECT_NE(r.output.find("\"path\":\"" + (dir / "set-02.iso").string() + "\""), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\"sequence\":2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"error\":null"), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(dir / "set-02.iso"));
  EXPECT_FALSE(fs::exists(dir / "set.iso"));
  int volumes = 0;
  fs::create_directories(dir / "all");
  for (int v = 1; fs::exists(dir / ("set-0" + std::to_string(v) + ".iso")); ++v) {
    fs::path iso = dir / ("set-0" + std::to_string(v) + ".iso");
    EXPECT_LE(fs::file_size(iso), 8u << 20);
    auto target = device::OpenTarget(iso.string(), {.direct = false});
    ASSERT_TRUE(target.ok());
    EXPECT_TRUE(iso9660::CheckIso(**target).empty()) << iso;
    auto d = Isoinfo(iso, {"-d"});
    EXPECT_NE(d.output.find("Volume set sequence number is: " + std::to_string(v)),
              std::string::npos)
        << d.output;
    auto x = OsirroxExtract(iso, dir / ("x" + std::to_string(v)));
    ASSERT_EQ(x.exit_code, 0) << x.output;
    auto merge = RunShell("cp -a '" + (dir / ("x" + std::to_string(v))).string() + "/.' '" +
                          (dir / "all").string() + "/'");
    ASSERT_EQ(merge.exit_code, 0) << merge.output;
    ++volumes;
  }
  EXPECT_GE(volumes, 3);
  auto manifest = ReadWholeFile(dir / "x1" / "mediaforge-volumes.txt");
  std::string m(manifest.begin(), manifest.end());
  EXPECT_NE(m.find("a/f1"), std::string::npos) << m;
  fs::remove(dir / "all" / "mediaforge-volumes.txt");
  std::string why;
  EXPECT_TRUE(SameTree(dir / "src", dir / "all", &why)) << why;
}

TEST(IsoJudges, FileLargerThanAVolumeIsNamed) {
  TempDir dir;
  fs::create_directories(dir / "src");
  WritePatternFile(dir / "src" / "too-big.bin", 9 << 20, 1);
  auto r = RunMediaforgeIso(
      {(dir / "src").string(), "-o", (dir / "set.iso").string(), "--media-size", "8M"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("too-big.bin"), std::string::npos) << r.output;
  auto j = RunMediaforgeIso(
      {(dir / "src").string(), "-o", (dir / "set.iso").string(), "--media-size", "8M", "--json"});
  EXPECT_EQ(j.exit_code, 2);
  EXPECT_NE(j.output.find("\"error\":\""), std::string::npos) << j.output;
  EXPECT_FALSE(fs::exists(dir / "set-01.iso"));
}

TEST(IsoJudges, DeepTreesAreKeptAndNoted) {
  MF_REQUIRE_TOOL("osirrox");
  TempDir dir;
  fs::path deep = dir / "src";
  for (int i = 0; i < 12; ++i) deep /= "level" + std::to_string(i);
  fs::create_directories(deep);
  WriteWholeFile(deep / "bottom.txt", "deep");
  auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / "out.iso").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ECMA-119 allows 8"), std::string::npos) << r.output;
  ExpectOsirroxExtractsTheSource(dir.path());
}

TEST(IsoJudges, HardLinksShareTheirData) {
  MF_REQUIRE_TOOL("osirrox");
  TempDir dir;
  fs::create_directories(dir / "src" / "d");
  WritePatternFile(dir / "src" / "a.bin", 3'000'000, 8);
  fs::create_hard_link(dir / "src" / "a.bin", dir / "src" / "d" / "b.bin");
  auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / "out.iso").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_LT(fs::file_size(dir / "out.iso"), 4'000'000u);
  auto x = OsirroxExtract(dir / "out.iso", dir / "x");
  ASSERT_EQ(x.exit_code, 0) << x.output;
  EXPECT_TRUE(ReadWholeFile(dir / "x" / "d" / "b.bin") == ReadWholeFile(dir / "src" / "a.bin"));
  auto target = device::OpenTarget((dir / "out.iso").string(), {.direct = false});
  ASSERT_TRUE(target.ok());
  EXPECT_TRUE(iso9660::CheckIso(**target).empty());
}

TEST(IsoJudges, OptionConflictsAreUsageErrors) {
  TempDir dir;
  fs::create_directories(dir / "src");
  WriteWholeFile(dir / "src" / "x", "x");
  auto r = RunMediaforgeIso(
      {(dir / "src").string(), "-o", (dir / "o.iso").string(), "--isohybrid-mbr", "/dev/null"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--bios-boot"), std::string::npos) << r.output;
  r = RunMediaforgeIso(
      {(dir / "src").string(), "-o", (dir / "o.iso").string(), "--boot-load-size", "4"});
  EXPECT_EQ(r.exit_code, 2);
  r = RunMediaforgeIso({(dir / "nope").string(), "-o", (dir / "o.iso").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir / "o.iso"));
}

}  // namespace
}  // namespace mediaforge::testing
