// What front-ends and scripts rely on (issue 15): `--progress json` lines on stderr, `list`'s
// columns and JSON, and `--version`.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "nlohmann/json.hpp"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

using testing::TempDir;

struct Split {
  int exit_code;
  std::string out, err;
};

// Runs the CLI with stdout and stderr kept apart (RunMediaforge interleaves them).
Split RunSplit(const TempDir& dir, const std::string& args) {
  auto r = testing::RunShell("'" + testing::MediaforgeCli() + "' " + args + " >'" +
                             (dir / "stdout").string() + "' 2>'" + (dir / "stderr").string() + "'");
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  return {r.exit_code, slurp(dir / "stdout"), slurp(dir / "stderr")};
}

// The lines that start with '{' (the others on stderr are human messages); each must parse.
std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (!j.is_discarded()) lines.push_back(j);
  }
  return lines;
}

TEST(CliProgressJson, WriteAndVerifyLinesParseAreMonotonicAndEndComplete) {
  TempDir dir;
  const uint64_t size = 48 << 20;
  testing::WritePatternFile(dir / "img", size, 7);
  auto r = RunSplit(dir, "write '" + (dir / "img").string() + "' '" + (dir / "out.img").string() +
                             "' --verify --progress json --yes");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = JsonLines(r.err);
  ASSERT_GE(lines.size(), 3u) << r.err;
  std::map<std::string, uint64_t> last_done;  // per phase and target
  std::map<std::string, nlohmann::json> last_line;
  for (const auto& j : lines) {
    for (const char* key :
         {"command", "phase", "target", "bytes_done", "bytes_total", "mb_per_s", "eta_s"}) {
      EXPECT_TRUE(j.contains(key)) << key << " missing: " << j.dump();
    }
    EXPECT_EQ(j["command"], "write");
    if (j["phase"] == "result") continue;
    std::string key = j["phase"].get<std::string>() + " " + j["target"].get<std::string>();
    uint64_t done = j["bytes_done"];
    EXPECT_GE(done, last_done[key]) << "bytes_done went back: " << j.dump();
    EXPECT_LE(done, j["bytes_total"].get<uint64_t>()) << j.dump();
    last_done[key] = done;
    last_line[key] = j;
  }
  ASSERT_TRUE(last_line.count("write " + (dir / "out.img").string())) << r.err;
  ASSERT_TRUE(last_line.count("verify " + (dir / "out.img").string())) << r.err;
  for (const auto& [key, j] : last_line) {
    EXPECT_EQ(j["bytes_done"], j["bytes_total"]) << key << ": " << j.dump();
    EXPECT_EQ(j.value("phase_done", false), true) << key << ": " << j.dump();
  }
  const auto& result = lines.back();
  EXPECT_EQ(result["phase"], "result");
  EXPECT_EQ(result["ok"], true);
  EXPECT_EQ(result["exit_code"], 0);
  EXPECT_EQ(result["bytes_done"], result["bytes_total"]);
  EXPECT_EQ(result["bytes_total"], size);
}

TEST(CliProgressJson, FailureEndsWithResultAndJsonStaysOnStdout) {
  TempDir dir;
  auto r = RunSplit(dir, "write '" + (dir / "missing.img").string() + "' '" +
                             (dir / "out.img").string() + "' --progress json --json --yes");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto out = JsonLines(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  EXPECT_EQ(out[0]["ok"], false);
  // stderr: the human error line and the JSON progress lines; the last is the result.
  auto lines = JsonLines(r.err);
  ASSERT_FALSE(lines.empty()) << r.err;
  const auto& j = lines.back();
  EXPECT_EQ(j["phase"], "result");
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["exit_code"], 2);
}

TEST(CliProgressJson, NoProgressOrNonTtyDrawsNothing) {
  TempDir dir;
  testing::WritePatternFile(dir / "img", 1 << 20, 3);
  auto r = RunSplit(
      dir, "write '" + (dir / "img").string() + "' '" + (dir / "out.img").string() + "' --yes");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "a bar was drawn on a non-TTY: " << r.err;
  EXPECT_EQ(r.err.find('{'), std::string::npos) << r.err;
}

TEST(CliList, ColumnsBytesAndSerial) {
  TempDir dir;
  auto r = RunSplit(dir, "list --all -o PATH,SIZE,SERIAL --bytes");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::string heading;
  std::getline(in, heading);
  EXPECT_EQ(heading.rfind("PATH", 0), 0u) << r.out;
  EXPECT_NE(heading.find("SIZE"), std::string::npos);
  EXPECT_NE(heading.find("SERIAL"), std::string::npos);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string path, size;
    fields >> path >> size;
    EXPECT_EQ(path.rfind("/dev/", 0), 0u) << line;
    EXPECT_EQ(size.find_first_not_of("0123456789"), std::string::npos) << line;
  }
  auto j = RunSplit(dir, "list --all --json");
  ASSERT_EQ(j.exit_code, 0);
  auto obj = nlohmann::json::parse(j.out);
  for (const auto& d : obj["devices"]) EXPECT_TRUE(d.contains("serial")) << d.dump();
  // Removable disks first.
  bool seen_fixed = false;
  for (const auto& d : obj["devices"]) {
    if (!d["removable"].get<bool>()) seen_fixed = true;
    EXPECT_FALSE(seen_fixed && d["removable"].get<bool>()) << "removable after fixed: " << j.out;
  }
  auto bad = RunSplit(dir, "list -o PATH,NOPE");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown column 'NOPE'"), std::string::npos) << bad.err;
}

TEST(CliVersion, NamesCommitAndLibraries) {
  TempDir dir;
  auto r = RunSplit(dir, "--version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("mediaforge ", 0), 0u) << r.out;
  for (const char* lib :
       {"(git ", "OpenSSL", "libblkid", "libfdisk", "liburing", "zlib", "xz", "zstd"}) {
    EXPECT_NE(r.out.find(lib), std::string::npos) << lib << " missing: " << r.out;
  }
}

}  // namespace
}  // namespace mediaforge
