// The UDF reader (fs/udf) on images made at test time by genisoimage -udf (a UDF 1.02 bridge
// image, as Windows ISOs are) and mkudffs (UDF-only, revisions 1.02 to 2.50, several block
// sizes): every file found, its bytes (hashed) identical to the source tree, deep directories
// and Unicode names intact; damaged descriptors get errors naming the byte offset.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "device/target.h"
#include "fs/iso9660/iso9660.h"
#include "fs/udf/cs0.h"
#include "fs/udf/disc_image.h"
#include "fs/udf/udf.h"
#include "tests/support/test_support.h"
#include "tests/udf/udf_test_util.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;
using testing::RunShell;

std::unique_ptr<device::Target> OpenImage(const fs::path& p) {
  auto t = device::OpenTarget(p.string(), {.write = false, .exclusive = false});
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : nullptr;
}

// Extracts every file of `volume` under `out` (directories too).
void ExtractAll(device::Target& target, const udf::UdfVolume& volume, const fs::path& out) {
  fs::create_directories(out);
  for (const auto& e : volume.entries) {
    if (e.type == udf::UdfEntry::Type::kDirectory) {
      fs::create_directories(out / e.path);
    } else if (e.type == udf::UdfEntry::Type::kFile) {
      ASSERT_TRUE(udf::ExtractUdfFile(target, e, (out / e.path).string()).ok()) << e.path;
    }
  }
}

TEST(UdfReader, BridgeImageFromGenisoimageGivesBackTheTree) {
  MF_REQUIRE_TOOL("genisoimage");
  testing::TempDir dir;
  const fs::path iso = dir / "bridge.iso";
  auto r = testing::MakeSampleBridgeIso(dir.path(), iso);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto target = OpenImage(iso);
  ASSERT_TRUE(target);
  EXPECT_TRUE(udf::HasUdfRecognition(*target));
  auto volume = udf::OpenUdf(*target);
  ASSERT_TRUE(volume.ok()) << volume.status();
  EXPECT_EQ(volume->volume_id, "MF_UDF_TEST");
  EXPECT_EQ(volume->block_size, 2048u);
  std::map<std::string, udf::UdfEntry::Type> found;
  for (const auto& e : volume->entries) found[e.path] = e.type;
  EXPECT_EQ(found["sources"], udf::UdfEntry::Type::kDirectory);
  EXPECT_EQ(found["sources/install.wim"], udf::UdfEntry::Type::kFile);
  EXPECT_EQ(found[testing::kUdfDeepFile], udf::UdfEntry::Type::kFile);
  EXPECT_EQ(found[testing::kUdfUnicodeName], udf::UdfEntry::Type::kFile);
  // Parents come before their children.
  for (size_t i = 0; i < volume->entries.size(); ++i) {
    const std::string& p = volume->entries[i].path;
    const size_t slash = p.rfind('/');
    if (slash == std::string::npos) continue;
    bool parent_before = false;
    for (size_t j = 0; j < i; ++j) parent_before |= volume->entries[j].path == p.substr(0, slash);
    EXPECT_TRUE(parent_before) << p;
  }
  ExtractAll(*target, *volume, dir / "out");
  EXPECT_EQ(testing::TreeHashes(dir / "out"), testing::TreeHashes(dir / "src"));
}

TEST(UdfReader, DiscImagePrefersTheFullerUdfTree) {
  MF_REQUIRE_TOOL("genisoimage");
  testing::TempDir dir;
  const fs::path iso = dir / "windows-like.iso";
  // A Windows-like ISO: its ISO9660/Joliet tree has only README.TXT, UDF has everything.
  auto r = testing::MakeSampleBridgeIso(dir.path(), iso, /*iso9660_readme_only=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto target = OpenImage(iso);
  ASSERT_TRUE(target);
  auto iso9660_side = iso9660::OpenIso(*target);
  ASSERT_TRUE(iso9660_side.ok()) << iso9660_side.status();
  ASSERT_EQ(iso9660_side->entries.size(), 1u);
  EXPECT_EQ(iso9660_side->entries[0].path, "README.TXT");
  auto disc = udf::OpenDiscImage(*target);
  ASSERT_TRUE(disc.ok()) << disc.status();
  EXPECT_TRUE(disc->files_from_udf);
  bool wim = false;
  for (const auto& e : disc->image.entries) wim |= e.path == "sources/install.wim";
  EXPECT_TRUE(wim);
}

TEST(UdfReader, FileOverOneGibibyteIsOneRangeOfTheImage) {
  MF_REQUIRE_TOOL("genisoimage");
  testing::TempDir dir;
  fs::create_directories(dir / "src");
  // Sparse source; UDF extents stop short of 1 GiB (ECMA-167 4/14.14.1.1), so this file has
  // two allocation descriptors, which the reader merges as they are adjacent.
  const uint64_t size = (1ull << 30) + 12345;
  { std::ofstream(dir / "src" / "big.bin"); }
  fs::resize_file(dir / "src" / "big.bin", size);
  testing::WriteWholeFile(dir / "src" / "small.txt", "after the big one\n");
  const fs::path iso = dir / "big.iso";
  auto r = testing::MakeUdfBridgeIso(dir / "src", iso);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto target = OpenImage(iso);
  ASSERT_TRUE(target);
  auto volume = udf::OpenUdf(*target);
  ASSERT_TRUE(volume.ok()) << volume.status();
  const udf::UdfEntry* big = nullptr;
  for (const auto& e : volume->entries) {
    if (e.path == "big.bin") big = &e;
  }
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->size, size);
  ASSERT_EQ(big->extents.size(), 1u);
  EXPECT_EQ(big->extents[0].length, size);
  auto same =
      RunShell("cmp -n " + std::to_string(size) + " -i " + std::to_string(big->extents[0].offset) +
               ":0 '" + iso.string() + "' '" + (dir / "src" / "big.bin").string() + "'");
  EXPECT_EQ(same.exit_code, 0) << same.output;
}

// mkudffs makes UDF-only images (no ISO9660 at all) in every revision and block size.
class MkudffsImage : public ::testing::TestWithParam<std::pair<std::string, int>> {};

TEST_P(MkudffsImage, EmptyVolumeOpens) {
  MF_REQUIRE_TOOL("mkudffs");
  testing::TempDir dir;
  const auto [revision, block_size] = GetParam();
  const fs::path img = dir / "udf.img";
  // mkudffs writes UDF 2.50 (metadata partition) only for Blu-ray media types.
  const std::string media = revision == "0x0250" ? "bdr" : "hd";
  auto r = RunShell("truncate -s 32M '" + img.string() + "' && mkudffs --media-type=" + media +
                    " --udfrev=" + revision + " --blocksize=" + std::to_string(block_size) +
                    " --lvid=MkUdf '" + img.string() + "' 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto target = OpenImage(img);
  ASSERT_TRUE(target);
  EXPECT_TRUE(udf::HasUdfRecognition(*target));
  auto volume = udf::OpenUdf(*target);
  if (revision == "0x0250") {
    // UDF 2.50 keeps file entries in a metadata partition (a type-2 map): named, not guessed.
    ASSERT_FALSE(volume.ok());
    EXPECT_NE(volume.status().message().find("metadata"), std::string::npos) << volume.status();
    return;
  }
  ASSERT_TRUE(volume.ok()) << volume.status();
  EXPECT_EQ(volume->volume_id, "MkUdf");
  EXPECT_EQ(volume->block_size, static_cast<uint32_t>(block_size));
  auto disc = udf::OpenDiscImage(*target);
  ASSERT_TRUE(disc.ok()) << disc.status();
  EXPECT_TRUE(disc->files_from_udf);
  EXPECT_EQ(disc->image.volume_id, "MkUdf");
}

INSTANTIATE_TEST_SUITE_P(Revisions, MkudffsImage,
                         ::testing::Values(std::pair{std::string("0x0102"), 2048},
                                           std::pair{std::string("0x0201"), 2048},
                                           std::pair{std::string("0x0201"), 512},
                                           std::pair{std::string("0x0201"), 4096},
                                           std::pair{std::string("0x0250"), 2048}));

TEST(UdfReader, Cs0NamesDecode) {
  const uint8_t latin[] = {8, 'R', 0xE9, 's', 'u', 'm', 0xE9};
  EXPECT_EQ(*udf::DecodeCs0(latin), "R\xC3\xA9sum\xC3\xA9");
  // 16-bit: big-endian UTF-16, here with a surrogate pair (U+1F600).
  const uint8_t wide[] = {16, 0x00, 'a', 0xD8, 0x3D, 0xDE, 0x00};
  EXPECT_EQ(*udf::DecodeCs0(wide), "a\xF0\x9F\x98\x80");
  const uint8_t odd[] = {16, 0x00, 'a', 0x00};
  EXPECT_FALSE(udf::DecodeCs0(odd).ok());
  const uint8_t unknown[] = {7, 'a'};
  EXPECT_FALSE(udf::DecodeCs0(unknown).ok());
  // dstring: the last byte counts the used bytes, compression ID included.
  uint8_t field[32] = {8, 'W', 'I', 'N'};
  field[31] = 4;
  EXPECT_EQ(*udf::DecodeDstring(field), "WIN");
  field[31] = 40;
  EXPECT_FALSE(udf::DecodeDstring(field).ok());
}

TEST(UdfReader, DamagedDescriptorsAreNamedWithTheirOffset) {
  MF_REQUIRE_TOOL("genisoimage");
  testing::TempDir dir;
  const fs::path iso = dir / "bridge.iso";
  ASSERT_EQ(testing::MakeSampleBridgeIso(dir.path(), iso).exit_code, 0);
  // The anchor at sector 256: one flipped byte in its body breaks its CRC.
  const uint64_t anchor = 256 * 2048;
  testing::FlipByte(iso, anchor + 20);
  auto target = OpenImage(iso);
  ASSERT_TRUE(target);
  auto volume = udf::OpenUdf(*target);
  ASSERT_FALSE(volume.ok());
  EXPECT_NE(volume.status().message().find("at byte " + std::to_string(anchor)), std::string::npos)
      << volume.status();
  EXPECT_NE(volume.status().message().find("CRC"), std::string::npos) << volume.status();
  // The bridge's ISO9660 side is fine, but a UDF volume that cannot be read is an error, not
  // a silent fall back (a Windows ISO's ISO9660 tree is only a README).
  auto disc = udf::OpenDiscImage(*target);
  EXPECT_FALSE(disc.ok());
}

TEST(UdfReader, TruncatedImageIsAnErrorNotACrash) {
  MF_REQUIRE_TOOL("genisoimage");
  testing::TempDir dir;
  const fs::path iso = dir / "bridge.iso";
  ASSERT_EQ(testing::MakeSampleBridgeIso(dir.path(), iso).exit_code, 0);
  // Cut inside the file data: the tree's extents now point past the end.
  fs::resize_file(iso, fs::file_size(iso) / 2);
  auto target = OpenImage(iso);
  ASSERT_TRUE(target);
  auto volume = udf::OpenUdf(*target);
  ASSERT_FALSE(volume.ok());
  EXPECT_NE(volume.status().message().find("beyond the end"), std::string::npos) << volume.status();
}

}  // namespace
}  // namespace mediaforge
