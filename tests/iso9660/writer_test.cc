// The writer as a library: names, records never crossing blocks, the failure path of the output
// (a source file shrinking between planning and streaming leaves the old image and no temp file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "engine/job.h"
#include "fs/iso9660/el_torito.h"
#include "fs/iso9660/iso_output.h"
#include "fs/iso9660/iso_writer.h"
#include "fs/iso9660/names.h"
#include "tests/iso9660/iso_test_util.h"
#include "tests/support/test_support.h"

namespace mediaforge::iso9660 {
namespace {
namespace fs = std::filesystem;
using testing::ReadWholeFile;
using testing::TempDir;
using testing::WritePatternFile;
using testing::WriteWholeFile;

TEST(IsoNames, IsoIdentifiersAreUniqueDCharacters) {
  std::vector<std::string> names = {"readme.txt",
                                    "README.TXT",
                                    "Read Me.txt",
                                    "a.b.c",
                                    std::string(60, 'x') + ".txt",
                                    std::string(60, 'x') + ".txt2",
                                    "dir",
                                    "noext"};
  std::vector<NameRequest> req;
  for (auto& n : names) req.push_back({&n, n == "dir"});
  auto ids = MakeIsoIdentifiers(req);
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& id = ids[i];
    if (names[i] == "dir") {
      EXPECT_EQ(id, "DIR");
      continue;
    }
    ASSERT_GE(id.size(), 3u);
    EXPECT_EQ(id.substr(id.size() - 2), ";1") << id;
    EXPECT_LE(id.size(), 30u + 1 + 2) << id;
    for (char c : id.substr(0, id.size() - 2)) {
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.') << id;
    }
  }
  EXPECT_EQ(ids[0], "README.TXT;1");
  EXPECT_EQ(ids[3], "A_B.C;1");
  EXPECT_EQ(ids[7], "NOEXT.;1");
}

TEST(IsoNames, JolietKeepsNamesUpTo64UnitsAndStaysUnique) {
  std::vector<std::string> names = {"Ünïcödé.txt", std::string(100, 'j') + ".txt",
                                    std::string(100, 'j') + ".txt" + "2", "a:b?c", "a_b_c"};
  std::vector<NameRequest> req;
  for (auto& n : names) req.push_back({&n, false});
  auto ids = MakeJolietIdentifiers(req);
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size());
  EXPECT_EQ(Utf16BeToUtf8(ids[0]), "Ünïcödé.txt");
  for (auto& id : ids) EXPECT_LE(id.size(), 128u);
  EXPECT_EQ(Utf16BeToUtf8(ids[1]).substr(Utf16BeToUtf8(ids[1]).size() - 4), ".txt");
  EXPECT_EQ(Utf16BeToUtf8(ids[3]), "a_b_c");
  EXPECT_NE(Utf16BeToUtf8(ids[4]), "a_b_c");
}

TEST(IsoNames, SortOrderFollowsEcma119) {
  EXPECT_TRUE(IsoIdentifierLess("A.;1", "A0.;1"));
  EXPECT_TRUE(IsoIdentifierLess("A.B;1", "A_.A;1"));
  EXPECT_TRUE(IsoIdentifierLess("AB", "ABC"));
  EXPECT_FALSE(IsoIdentifierLess("B", "A"));
}

TEST(ElTorito, CatalogChecksumAndEntries) {
  auto cat = BuildBootCatalog({{0, 30, 4}, {0xEF, 40, 0}});
  ASSERT_EQ(cat.size(), 2048u);
  uint16_t sum = 0;
  for (int i = 0; i < 32; i += 2) {
    sum = static_cast<uint16_t>(
        sum + (static_cast<uint8_t>(cat[i]) | static_cast<uint8_t>(cat[i + 1]) << 8));
  }
  EXPECT_EQ(sum, 0);
  EXPECT_EQ(static_cast<uint8_t>(cat[32]), 0x88);
  EXPECT_EQ(static_cast<uint8_t>(cat[64]), 0x91);
  EXPECT_EQ(static_cast<uint8_t>(cat[65]), 0xEF);
  EXPECT_EQ(static_cast<uint8_t>(cat[96 + 8]), 40);
}

TEST(ElTorito, BootInfoTableChecksum) {
  std::vector<std::byte> image(4096);
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::byte>(i * 7);
  ASSERT_TRUE(PatchBootInfoTable(image, 16, 33, "x").ok());
  auto le32 = [&](size_t at) {
    return static_cast<uint32_t>(image[at]) | static_cast<uint32_t>(image[at + 1]) << 8 |
           static_cast<uint32_t>(image[at + 2]) << 16 | static_cast<uint32_t>(image[at + 3]) << 24;
  };
  EXPECT_EQ(le32(8), 16u);
  EXPECT_EQ(le32(12), 33u);
  EXPECT_EQ(le32(16), 4096u);
  uint32_t sum = 0;
  for (size_t i = 64; i < image.size(); i += 4) sum += le32(i);
  EXPECT_EQ(le32(20), sum);
  std::vector<std::byte> small(2048);
  EXPECT_FALSE(PatchGrub2BootInfo(small, 33, "small").ok());
  ASSERT_TRUE(PatchGrub2BootInfo(image, 33, "grub").ok());
  EXPECT_EQ(le32(2548), 33u * 4 + 5);
}

TEST(IsoOutput, SourceShrinkingAfterPlanningKeepsOldImage) {
  TempDir dir;
  fs::create_directories(dir / "src");
  WritePatternFile(dir / "src" / "a.dat", 5 << 20, 1);
  WritePatternFile(dir / "src" / "b.dat", 5 << 20, 2);
  WriteWholeFile(dir / "out.iso", "previous image");
  IsoWriteOptions o;
  o.source_dir = (dir / "src").string();
  auto plan = PlanIso(o);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(truncate((dir / "src" / "b.dat").c_str(), 1000), 0);
  auto set = engine::VolumeSet::Open(VolumePaths((dir / "out.iso").string(), 1));
  ASSERT_TRUE(set.ok()) << set.status();
  auto written = engine::RunVolumeSetJob(VolumeLayouts(*plan), *set, {});
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.status().message().find("b.dat"), std::string::npos) << written.status();
  auto content = ReadWholeFile(dir / "out.iso");
  EXPECT_EQ(std::string(content.begin(), content.end()), "previous image");
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_TRUE(e.path().filename() == "src" || e.path().filename() == "out.iso") << e.path();
  }
}

TEST(IsoOutput, VolumePathsNumberTheSet) {
  EXPECT_EQ(VolumePaths("/x/out.iso", 1), std::vector<std::string>{"/x/out.iso"});
  EXPECT_EQ(VolumePaths("/x/out.iso", 2),
            (std::vector<std::string>{"/x/out-01.iso", "/x/out-02.iso"}));
  EXPECT_EQ(VolumePaths("/x.d/out", 2), (std::vector<std::string>{"/x.d/out-01", "/x.d/out-02"}));
}

}  // namespace
}  // namespace mediaforge::iso9660
