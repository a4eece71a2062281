// The CLI as users and scripts call it (cli-contract.md): write/verify/capture on image files
// and on loop devices we attach, exit codes, --json shapes, targets left unchanged on refusal.
#include <gtest/gtest.h>

#include <algorithm>

#include "nlohmann/json.hpp"
#include "tests/support/cli_json.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

using testing::ReadWholeFile;

using testing::TempDir;

testing::CommandResult Cli(std::vector<std::string> args) {
  return testing::RunMediaforge(std::move(args));
}

TEST(CliWrite, LoopDeviceWriteVerifyIsByteIdentical) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", 24 << 20, 4);
  std::string why;
  auto loop = testing::LoopDevice::AttachBlank(dir / "disk", 32 << 20, false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  auto r = Cli({"write", (dir / "img").string(), loop->path(), "--verify", "--sha256", "--yes",
                "--force", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = testing::LastJson(r.output);
  ASSERT_FALSE(j.is_discarded()) << r.output;
  EXPECT_EQ(j["bytes"], 24u << 20);
  EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
  ASSERT_EQ(j["targets"].size(), 1u);
  EXPECT_EQ(j["targets"][0]["path"], loop->path());
  EXPECT_EQ(j["targets"][0]["verified"], true);
  EXPECT_TRUE(j["targets"][0]["error"].is_null());
  EXPECT_GT(j["targets"][0]["mb_per_s"].get<double>(), 0);
  auto img = ReadWholeFile(dir / "img");
  auto disk = ReadWholeFile(dir / "disk");
  disk.resize(img.size());
  EXPECT_TRUE(img == disk);
}

TEST(CliWrite, RefusalsLeaveTheDeviceUnchanged) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", 8 << 20, 5);
  testing::WritePatternFile(dir / "disk", 4 << 20, 6);
  auto before = ReadWholeFile(dir / "disk");
  std::string why;
  auto loop = testing::LoopDevice::Attach(dir / "disk", false, false, &why);
  if (!loop) GTEST_SKIP() << why;
  // No --force on a non-removable device, no --yes without a TTY, too small: all exit 1.
  for (auto extra :
       std::vector<std::vector<std::string>>{{"--yes"}, {"--force"}, {"--yes", "--force"}}) {
    std::vector<std::string> args = {"write", (dir / "img").string(), loop->path(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = Cli(args);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("nothing was written"), std::string::npos) << r.output;
  }
  EXPECT_TRUE(ReadWholeFile(dir / "disk") == before);
}

TEST(CliWrite, UnknownSizeImageRunningOutOfDeviceNamesTheOffset) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", 6 << 20, 7);
  ASSERT_EQ(testing::RunShell("gzip -1 '" + (dir / "img").string() + "'").exit_code, 0);
  std::string why;
  auto loop = testing::LoopDevice::AttachBlank(dir / "disk", 4 << 20, false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  auto r = Cli({"write", (dir / "img.gz").string(), loop->path(), "--yes", "--force", "--json"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  auto j = testing::LastJson(r.output);
  ASSERT_FALSE(j.is_discarded()) << r.output;
  EXPECT_FALSE(j["targets"][0]["error"].is_null());
  EXPECT_EQ(j["targets"][0]["offset"], 4u << 20) << r.output;
  EXPECT_NE(r.output.find(loop->path()), std::string::npos);
}

TEST(CliWrite, BadInputsAreExit2AndKeepAnExistingImageFile) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", 3 << 20, 8);
  ASSERT_EQ(testing::RunShell("xz -0 -k '" + (dir / "img").string() + "'").exit_code, 0);
  std::filesystem::resize_file(dir / "img.xz", std::filesystem::file_size(dir / "img.xz") / 2);
  testing::WriteWholeFile(dir / "old.img", "precious");

  auto missing = Cli({"write", (dir / "nope.img").string(), (dir / "out").string(), "--json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("nope.img"), std::string::npos);
  auto j = testing::LastJson(missing.output);  // --json prints its one object on failure too
  EXPECT_EQ(j["ok"], false) << missing.output;
  EXPECT_NE(j["error"].get<std::string>().find("nope.img"), std::string::npos);

  auto to_dir = Cli({"write", (dir / "img").string(), dir.path().string()});
  EXPECT_EQ(to_dir.exit_code, 2);
  EXPECT_NE(to_dir.output.find("is a directory"), std::string::npos);

  auto truncated = Cli({"write", (dir / "img.xz").string(), (dir / "old.img").string()});
  EXPECT_EQ(truncated.exit_code, 2) << truncated.output;
  EXPECT_NE(truncated.output.find("img.xz"), std::string::npos) << truncated.output;
  EXPECT_EQ(ReadWholeFile(dir / "old.img"),
            std::vector<char>({'p', 'r', 'e', 'c', 'i', 'o', 'u', 's'}));
  EXPECT_FALSE(std::filesystem::exists(dir / "old.img.partial"));

  auto unreadable = Cli({"write", "/proc/self/mem", (dir / "out").string()});
  EXPECT_EQ(unreadable.exit_code, 2);
}

TEST(CliVerify, ImageMismatchAndSha256) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", 5 << 20, 9);
  auto w = Cli({"write", (dir / "img").string(), (dir / "copy").string()});
  ASSERT_EQ(w.exit_code, 0) << w.output;
  auto ok = Cli({"verify", (dir / "copy").string(), "--image", (dir / "img").string(), "--json"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(testing::LastJson(ok.output)["ok"], true);

  testing::FlipByte(dir / "copy", 1234567);
  auto bad = Cli({"verify", (dir / "copy").string(), "--image", (dir / "img").string(), "--json"});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  auto j = testing::LastJson(bad.output);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["problems"][0]["offset"], 1234567);

  auto sum = testing::Run({"sha256sum", (dir / "img").string()}).output.substr(0, 64);
  auto sha = Cli({"verify", (dir / "img").string(), "--sha256", sum, "--json"});
  EXPECT_EQ(sha.exit_code, 0) << sha.output;
  auto sha_bad = Cli({"verify", (dir / "copy").string(), "--sha256", sum});
  EXPECT_EQ(sha_bad.exit_code, 1);
}

TEST(CliCapture, LoopDeviceToSparseImage) {
  TempDir dir;
  testing::WritePatternFile(dir / "disk", 8 << 20, 10);
  std::string why;
  auto loop = testing::LoopDevice::Attach(dir / "disk", false, true, &why);
  if (!loop) GTEST_SKIP() << why;
  auto r = Cli({"capture", loop->path(), "-o", (dir / "cap.img").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = testing::LastJson(r.output);
  EXPECT_EQ(j["bytes"], 8u << 20);
  EXPECT_EQ(j["sha256"], testing::Run({"sha256sum", (dir / "disk").string()}).output.substr(0, 64));
  EXPECT_TRUE(ReadWholeFile(dir / "disk") == ReadWholeFile(dir / "cap.img"));
}

TEST(CliList, JsonListsEveryDiskWithAll) {
  auto r = Cli({"list", "--all", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = testing::LastJson(r.output);
  ASSERT_TRUE(j.contains("devices")) << r.output;
  for (const auto& d : j["devices"]) {
    EXPECT_TRUE(d.contains("path") && d.contains("size") && d.contains("removable") &&
                d.contains("signatures") && d.contains("mounted"));
  }
}

}  // namespace
}  // namespace mediaforge

namespace mediaforge {
namespace {

TEST(CliVerify, StructuralCheckOfAnIsoFindsADamagedBootCatalog) {
  TempDir dir;
  std::filesystem::create_directories(dir / "src" / "boot");
  testing::WritePatternFile(dir / "src" / "boot" / "loader.bin", 2048, 1);
  testing::WriteWholeFile(dir / "src" / "readme.txt", "hello\n");
  std::string iso = (dir / "x.iso").string();
  auto mk = Cli({"iso", (dir / "src").string(), "-o", iso, "--bios-boot", "boot/loader.bin",
                 "--hybrid", "--date", "1700000000"});
  ASSERT_EQ(mk.exit_code, 0) << mk.output;
  auto ok = Cli({"verify", iso, "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  auto j = testing::LastJson(ok.output);
  EXPECT_EQ(j["ok"], true);
  EXPECT_NE(j["found"].dump().find("El Torito BIOS entry"), std::string::npos) << j.dump();

  // The boot record volume descriptor (ECMA-119 block 17) points at the catalog (LE u32 @71).
  auto bytes = ReadWholeFile(iso);
  uint32_t catalog = 0;
  for (int i = 0; i < 4; ++i)
    catalog |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[17 * 2048 + 71 + i])) << (8 * i);
  ASSERT_GT(catalog, 17u);
  testing::FlipByte(iso, uint64_t{catalog} * 2048 + 4);  // inside the validation entry's id string
  auto bad = Cli({"verify", iso, "--json"});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_EQ(testing::LastJson(bad.output)["ok"], false) << bad.output;
}

// cli-contract.md: --json prints exactly one JSON object on stdout, also on failure, for every
// command; and the hidden `create` stays out of --help.
TEST(CliJson, EveryCommandPrintsOneObjectOnFailure) {
  TempDir dir;
  testing::WriteWholeFile(dir / "small.img", std::string(4096, 'x'));
  const std::string d = dir.path().string();
  const std::vector<std::string> failing = {
      "format " + d + "/x.img --fat 13 --size 1M",
      "format " + d + "/x.img",  // no --size, no --from: nothing to size the image by
      "format " + d + "/no/such/dir/x.img --size 8M",
      "format " + d + "/x.img --size 1M --from " + d + "/missing",
      "iso " + d + "/missing -o " + d + "/x.iso",
      "usb " + d + "/missing " + d + "/x.img",
      "write " + d + "/missing.img " + d + "/out.img",
      "capture " + d + "/missing -o " + d + "/cap.img",
      "verify " + d + "/missing",
      "bench " + d + "/small.img --full --probe",
      "bench " + d + "/bench.img --plot x.svg",
      "bench " + d + "/empty-new.img --full",
  };
  for (const std::string& args : failing) {
    const std::string out = d + "/stdout";
    auto r = testing::RunShell(testing::MediaforgeCli() + " " + args + " --json >" + out +
                               " 2>/dev/null");
    EXPECT_NE(r.exit_code, 0) << args;
    auto text = ReadWholeFile(out);
    std::string stdout_text(text.begin(), text.end());
    ASSERT_FALSE(stdout_text.empty()) << args << ": nothing on stdout";
    EXPECT_EQ(std::count(stdout_text.begin(), stdout_text.end(), '\n'), 1)
        << args << ": " << stdout_text;
    auto j = nlohmann::json::parse(stdout_text, nullptr, false);
    ASSERT_TRUE(j.is_object()) << args << ": " << stdout_text;
    EXPECT_EQ(j["ok"], false) << args << ": " << stdout_text;
    EXPECT_TRUE(j["error"].is_string()) << args << ": " << stdout_text;
  }
  // `create` is real now (fs/media): listed in --help.
  auto help = Cli({"--help"});
  EXPECT_NE(help.output.find("create"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace mediaforge
