// The PE/COFF reader on Debian's real EFI binaries (judged against objdump), on synthetic images
// for the machine types no package provides here, and on hostile input.
#include "fs/pe/pe_image.h"

#include <gtest/gtest.h>

#include <cstring>

#include "fs/pe/on_disk.h"
#include "tests/pe/pe_test_util.h"
#include "tests/support/test_support.h"

namespace mediaforge::pe {
namespace {

using testing::MinimalPeImage;
using testing::ReadBytes;

#define REQUIRE_FILE(path) \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "needs " << path << " (Debian package)"

TEST(PeImage, ShimFromDebianIsAnX64EfiApplicationWithACertificateTable) {
  REQUIRE_FILE(testing::kShimSigned);
  auto bytes = ReadBytes(testing::kShimSigned);
  auto image = ParsePeImage(bytes, testing::kShimSigned);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->machine, Machine::kX64);
  EXPECT_STREQ(MachineName(image->machine), "x64");
  EXPECT_TRUE(image->pe32_plus);
  EXPECT_EQ(image->subsystem, kSubsystemEfiApplication);
  EXPECT_EQ(SubsystemName(image->subsystem), "EFI application");
  ASSERT_TRUE(image->certificate_table.has_value());
  EXPECT_EQ(uint64_t{image->certificate_table->offset} + image->certificate_table->size,
            bytes.size());

  // objdump (binutils) is the outside judge for the section table.
  MF_REQUIRE_TOOL("objdump");
  auto r = testing::Run({"objdump", "-h", testing::kShimSigned});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_FALSE(image->sections.empty());
  for (const auto& s : image->sections) {
    // Names longer than 8 characters (".vendor_cert") come from the COFF string table.
    EXPECT_NE(r.output.find(" " + s.name + " "), std::string::npos) << s.name;
    char offset[16];
    std::snprintf(offset, sizeof(offset), "%08x", s.raw_offset);
    EXPECT_NE(r.output.find(offset), std::string::npos) << s.name << " @" << offset;
  }
}

TEST(PeImage, UnsignedShimHasNoCertificateTable) {
  REQUIRE_FILE(testing::kShimUnsigned);
  auto bytes = ReadBytes(testing::kShimUnsigned);
  auto image = ParsePeImage(bytes, testing::kShimUnsigned);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->machine, Machine::kX64);
  EXPECT_FALSE(image->certificate_table.has_value());
}

TEST(PeImage, MachineTypesOfTheFourUefiArchitectures) {
  struct Case {
    uint16_t raw;
    Machine machine;
    const char* name;
  };
  for (const Case& c : {Case{0x14C, Machine::kI386, "x86"}, Case{0x8664, Machine::kX64, "x64"},
                        Case{0xAA64, Machine::kArm64, "arm64"}, Case{0x1C4, Machine::kArm, "arm"},
                        Case{0x5064, Machine::kOther, "unknown"}}) {
    auto bytes = MinimalPeImage(c.raw, kSubsystemEfiBootServiceDriver);
    auto image = ParsePeImage(bytes);
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_EQ(image->machine, c.machine) << c.name;
    EXPECT_EQ(image->machine_raw, c.raw);
    EXPECT_STREQ(MachineName(image->machine), c.name);
    EXPECT_EQ(image->subsystem, kSubsystemEfiBootServiceDriver);
    ASSERT_EQ(image->sections.size(), 1u);
    EXPECT_EQ(image->sections[0].name, ".text");
    EXPECT_EQ(image->data_directories.size(), 16u);
  }
}

TEST(PeImage, DefaultLoaderNames) {
  EXPECT_EQ(DefaultLoaderMachine("/EFI/BOOT/BOOTX64.EFI"), Machine::kX64);
  EXPECT_EQ(DefaultLoaderMachine("efi/boot/bootia32.efi"), Machine::kI386);
  EXPECT_EQ(DefaultLoaderMachine("\\EFI\\BOOT\\BootAA64.efi"), Machine::kArm64);
  EXPECT_EQ(DefaultLoaderMachine("BOOTARM.EFI"), Machine::kArm);
  EXPECT_EQ(DefaultLoaderMachine("/EFI/debian/grubx64.efi"), std::nullopt);
}

// Every structural lie gets an error naming the file and the offset, never a crash.
TEST(PeImage, HostileInputGetsAClearError) {
  const auto good = MinimalPeImage(0x8664);
  auto expect_error = [](std::vector<uint8_t> bytes, const std::string& fragment) {
    auto image = ParsePeImage(bytes, "evil.efi");
    ASSERT_FALSE(image.ok()) << fragment;
    EXPECT_NE(image.status().message().find("evil.efi @"), std::string::npos) << image.status();
    EXPECT_NE(image.status().message().find(fragment), std::string::npos) << image.status();
  };
  expect_error({}, "shorter than an MS-DOS header");
  expect_error(std::vector<uint8_t>(good.begin(), good.begin() + 100), "optional header truncated");
  auto b = good;
  b[0] = 'X';
  expect_error(b, "MZ");
  b = good;
  uint32_t far = 0xFFFFFFF0;
  std::memcpy(b.data() + 0x3C, &far, 4);
  expect_error(b, "e_lfanew 4294967280 points past the end");
  b = good;
  b[64 + 2] = 'X';
  expect_error(b, "PE\\0\\0");
  b = good;
  uint16_t sections = 60000;
  std::memcpy(b.data() + 64 + 4 + 2, &sections, 2);
  expect_error(b, "60000 sections");
  b = good;
  sections = 5;
  std::memcpy(b.data() + 64 + 4 + 2, &sections, 2);
  expect_error(b, "beyond SizeOfHeaders");
  // Section raw data past the end of the file.
  const size_t opt = 64 + 4 + sizeof(CoffFileHeader);
  const size_t section = opt + sizeof(OptionalHeader64) + 16 * 8;
  b = good;
  uint32_t raw = 0x7FFFFFFF;
  std::memcpy(b.data() + section + 16, &raw, 4);
  expect_error(b, "runs past the end of the file");
  // Certificate table past the end of the file.
  b = good;
  uint32_t cert[2] = {1000, 4096};
  std::memcpy(b.data() + opt + sizeof(OptionalHeader64) + 4 * 8, cert, 8);
  expect_error(b, "certificate table");
  // NumberOfRvaAndSizes larger than the optional header.
  b = good;
  uint32_t count = 1000;
  std::memcpy(b.data() + opt + 108, &count, 4);
  expect_error(b, "NumberOfRvaAndSizes 1000");
  // Unknown optional header magic.
  b = good;
  b[opt] = 0x07;
  expect_error(b, "magic");
  // SizeOfHeaders larger than the file.
  b = good;
  uint32_t headers = 1 << 30;
  std::memcpy(b.data() + opt + 60, &headers, 4);
  expect_error(b, "SizeOfHeaders");
}

}  // namespace
}  // namespace mediaforge::pe
