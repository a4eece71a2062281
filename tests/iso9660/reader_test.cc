// The reader and checker: listing and extracting mediaforge images (and xorriso's), the El
// Torito entries, CheckIso finding planted corruption with its location, and never crashing on
// mutated images.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "device/target.h"
#include "fs/iso9660/iso9660.h"
#include "tests/iso9660/iso_test_util.h"
#include "tests/support/test_support.h"

namespace mediaforge::iso9660 {
namespace {
namespace fs = std::filesystem;
using testing::ReadWholeFile;
using testing::RunMediaforgeIso;
using testing::TempDir;
using testing::WriteWholeFile;

std::unique_ptr<device::Target> Open(const fs::path& p) {
  auto t = device::OpenTarget(p.string(), {.write = false, .direct = false});
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : nullptr;
}

std::string Describe(const std::vector<Problem>& problems) {
  std::string s;
  for (const auto& p : problems) {
    s += p.where + " @" + (p.offset ? std::to_string(*p.offset) : "-") + ": " + p.what + "\n";
  }
  return s;
}

void Patch(const fs::path& file, uint64_t offset, const std::string& bytes) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A bootable hybrid image with both platforms (boot images are plain data here).
fs::path BuildBootImage(const TempDir& dir) {
  testing::MakeSampleTree(dir / "src");
  testing::WritePatternFile(dir / "src" / "boot.bin", 8192, 5);
  testing::WritePatternFile(dir / "src" / "efi.img", 1 << 20, 6);
  // Enough of a FAT boot sector for the checker: 512 bytes per sector, 1 per cluster, 55 AA.
  Patch(dir / "src" / "efi.img", 11, std::string("\x00\x02\x01", 3));
  Patch(dir / "src" / "efi.img", 510, "\x55\xAA");
  auto r = RunMediaforgeIso({(dir / "src").string(), "-o", (dir / "out.iso").string(),
                             "--bios-boot", "boot.bin", "--boot-info-table", "--efi-boot",
                             "efi.img", "--hybrid", "--date", "1700000000"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return dir / "out.iso";
}

TEST(IsoReader, ListsAndExtractsTheTreeWithRockRidgeNames) {
  TempDir dir;
  fs::path iso = BuildBootImage(dir);
  auto target = Open(iso);
  auto image = OpenIso(*target);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->names, NameSource::kRockRidge);
  EXPECT_TRUE(image->has_joliet);
  EXPECT_EQ(image->volume_id, "CDROM");
  EXPECT_TRUE(image->problems.empty()) << Describe(image->problems);
  ASSERT_EQ(image->boot_entries.size(), 2u);
  EXPECT_EQ(image->boot_entries[0].platform_id, 0);
  EXPECT_EQ(image->boot_entries[0].sector_count, 4);
  EXPECT_EQ(image->boot_entries[1].platform_id, 0xEF);
  EXPECT_EQ(image->boot_entries[1].sector_count, 2048);
  bool found_link = false;
  for (const auto& e : image->entries) {
    if (e.path == "docs/readme-link") {
      found_link = true;
      EXPECT_EQ(e.type, IsoEntry::Type::kSymlink);
      EXPECT_EQ(e.symlink_target, "../README.txt");
    }
    if (e.path == "efi.img") {
      ASSERT_EQ(e.extents.size(), 1u);
      EXPECT_EQ(e.extents[0].offset, uint64_t{image->boot_entries[1].load_lba} * 2048);
    }
  }
  EXPECT_TRUE(found_link);
  auto extracted = ExtractTree(*target, *image, (dir / "x").string());
  ASSERT_TRUE(extracted.ok()) << extracted;
  // The BIOS image was patched (boot info table); everything else is byte-identical.
  testing::WritePatternFile(dir / "x" / "boot.bin", 8192, 5);
  std::string why;
  EXPECT_TRUE(testing::SameTree(dir / "src", dir / "x", &why)) << why;
}

TEST(IsoReader, JolietAndPlainNamesOnRequest) {
  TempDir dir;
  fs::path iso = BuildBootImage(dir);
  auto target = Open(iso);
  auto joliet = OpenIso(*target, {.names = NameSource::kJoliet});
  ASSERT_TRUE(joliet.ok()) << joliet.status();
  EXPECT_EQ(joliet->names, NameSource::kJoliet);
  bool unicode = false;
  for (const auto& e : joliet->entries) unicode |= e.path == "names/Ünïcödé – naïve.txt";
  EXPECT_TRUE(unicode);
  auto plain = OpenIso(*target, {.names = NameSource::kIso9660});
  ASSERT_TRUE(plain.ok());
  bool upper = false;
  for (const auto& e : plain->entries) upper |= e.path == "README.TXT";
  EXPECT_TRUE(upper);
}

TEST(IsoChecker, MediaforgeImagesAreClean) {
  TempDir dir;
  fs::path iso = BuildBootImage(dir);
  auto target = Open(iso);
  auto problems = CheckIso(*target);
  EXPECT_TRUE(problems.empty()) << Describe(problems);
}

TEST(IsoChecker, XorrisoImagesAreClean) {
  MF_REQUIRE_TOOL("xorriso");
  TempDir dir;
  testing::MakeSampleTree(dir / "src");
  fs::remove(dir / "src" / "docs" / "long-link");  // libisofs refuses a 300-byte component
  auto r = testing::Run({"xorriso", "-as", "mkisofs", "-R", "-J", "-o", (dir / "x.iso").string(),
                         (dir / "src").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto target = Open(dir / "x.iso");
  auto problems = CheckIso(*target);
  EXPECT_TRUE(problems.empty()) << Describe(problems);
  auto image = OpenIso(*target);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->names, NameSource::kRockRidge);
  ASSERT_TRUE(ExtractTree(*target, *image, (dir / "x").string()).ok());
  std::string why;
  EXPECT_TRUE(testing::SameTree(dir / "src", dir / "x", &why)) << why;
}

bool Mentions(const std::vector<Problem>& problems, const std::string& where,
              std::optional<uint64_t> offset) {
  for (const auto& p : problems) {
    if (p.where.find(where) != std::string::npos && (!offset || p.offset == offset)) return true;
  }
  return false;
}

TEST(IsoChecker, FindsPlantedCorruptionWithItsLocation) {
  TempDir dir;
  fs::path iso = BuildBootImage(dir);
  auto target = Open(iso);
  auto image = OpenIso(*target);
  ASSERT_TRUE(image.ok());
  const uint64_t catalog = uint64_t{*image->boot_catalog_lba} * 2048;
  const uint64_t boot = uint64_t{image->boot_entries[0].load_lba} * 2048;
  const uint64_t efi = uint64_t{image->boot_entries[1].load_lba} * 2048;
  target.reset();

  struct Case {
    const char* name;
    uint64_t offset;
    std::string bytes;
    const char* where;
    std::optional<uint64_t> expect_offset;
  };
  std::vector<Case> cases = {
      {"catalog checksum", catalog + 28, "\x12\x34", "El Torito validation entry", catalog + 28},
      {"boot info checksum", boot + 20, "\x01\x02\x03\x04", "boot information table", boot + 20},
      {"GPT header CRC", 512 + 16, "\xAA\xBB\xCC\xDD", "GPT header", 512 + 16},
      {"GPT entry", 1024 + 32, "\x01", "GPT header", 512 + 88},
      {"volume space", 16 * 2048 + 80, "\xFF\xFF\xFF\x00", "primary volume descriptor",
       std::nullopt},
      {"EFI image", efi + 510, std::string("\0\0", 2), "UEFI boot image", efi},
      {"MBR partition", 446 + 16 + 8, std::string("\x00\x00\x00\x01", 4), "MBR partition 2",
       std::nullopt},
  };
  for (const Case& c : cases) {
    fs::copy_file(iso, dir / "bad.iso", fs::copy_options::overwrite_existing);
    Patch(dir / "bad.iso", c.offset, c.bytes);
    auto bad = Open(dir / "bad.iso");
    auto problems = CheckIso(*bad);
    EXPECT_TRUE(Mentions(problems, c.where, c.expect_offset)) << c.name << "\n"
                                                              << Describe(problems);
  }
  // A truncated image: the volume extends past the end.
  fs::copy_file(iso, dir / "short.iso", fs::copy_options::overwrite_existing);
  fs::resize_file(dir / "short.iso", fs::file_size(iso) / 2);
  auto shortened = Open(dir / "short.iso");
  auto problems = CheckIso(*shortened);
  EXPECT_TRUE(Mentions(problems, "primary volume descriptor", 16 * 2048 + 80))
      << Describe(problems);
}

TEST(IsoReader, RefusesNamesThatWouldEscapeTheDestination) {
  TempDir dir;
  fs::path iso = BuildBootImage(dir);
  auto bytes = ReadWholeFile(iso);
  std::string data(bytes.begin(), bytes.end());
  // The Rock Ridge NM entry of README.txt: "NM", length 15, version 1, flags 0, name.
  size_t at = data.find(std::string("NM\x0f\x01\x00README.txt", 15));
  ASSERT_NE(at, std::string::npos);
  Patch(iso, at + 5, "../etc/pwn");
  auto target = Open(iso);
  auto image = OpenIso(*target);
  ASSERT_TRUE(image.ok()) << image.status();
  for (const auto& e : image->entries) EXPECT_EQ(e.path.find(".."), std::string::npos) << e.path;
  EXPECT_FALSE(image->problems.empty());
  ASSERT_TRUE(ExtractTree(*target, *image, (dir / "x").string()).ok());
  EXPECT_FALSE(fs::exists(dir / "etc"));
}

TEST(IsoChecker, SurvivesMutatedImages) {
  TempDir dir;
  fs::path iso = BuildBootImage(dir);
  auto original = ReadWholeFile(iso);
  std::mt19937_64 rng(42);
  // Mutate the metadata region (descriptors, tables, directories, catalog, system area).
  const size_t metadata = std::min<size_t>(original.size(), 80 * 2048);
  for (int round = 0; round < 300; ++round) {
    std::vector<char> mutated = original;
    int flips = 1 + static_cast<int>(rng() % 16);
    for (int k = 0; k < flips; ++k) {
      mutated[rng() % metadata] = static_cast<char>(rng());
    }
    WriteWholeFile(dir / "m.iso", std::string_view(mutated.data(), mutated.size()));
    auto target = Open(dir / "m.iso");
    (void)CheckIso(*target);
    auto image = OpenIso(*target);
    if (image.ok() && round % 50 == 0) {
      (void)ExtractTree(*target, *image, (dir / ("x" + std::to_string(round))).string());
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace mediaforge::iso9660
