#include "tests/fat32/fat_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "engine/stream_copy.h"

namespace mediaforge::fat32::testutil {

namespace fs = std::filesystem;
using ::mediaforge::testing::Run;

CommandResult Format(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {::mediaforge::testing::MediaforgeCli(), "format"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, 600);
}

std::string FsckProblems(const std::string& image) {
  CommandResult r = Run({"fsck.fat", "-n", "-v", image}, 600);
  std::string lower = r.output;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  for (const char* bad : {"differences", "wrong", "dirty", "corrupt", "invalid", "bad ", "lost",
                          "truncat", "has a large number", "unable", "warning"}) {
    if (lower.find(bad) != std::string::npos) {
      return std::string("fsck.fat reported '") + bad + "':\n" + r.output;
    }
  }
  if (r.exit_code != 0) return "fsck.fat exit " + std::to_string(r.exit_code) + ":\n" + r.output;
  return "";
}

std::string CheckerProblems(const std::string& image, uint64_t offset) {
  auto target = OpenImage(image);
  auto problems = CheckFatVolume(*target, offset);
  if (!problems.ok()) return std::string(problems.status().message());
  std::string out;
  for (const auto& p : *problems) {
    out += p.where + " @" + (p.offset ? std::to_string(*p.offset) : "-") + ": " + p.what + "\n";
  }
  return out;
}

std::string BlkidValue(const std::string& image, const std::string& key) {
  CommandResult r = Run({"blkid", "-p", "-o", "export", image}, 60);
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + "=", 0) != 0) continue;
    std::string v;  // export format escapes spaces and specials with a backslash
    for (size_t i = key.size() + 1; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;
      v.push_back(line[i]);
    }
    return v;
  }
  return "";
}

std::vector<std::string> TreePaths(const fs::path& root) {
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    std::string rel = fs::relative(it->path(), root).string();
    out.push_back(it->is_directory() ? rel + "/" : rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<device::Target> OpenImage(const std::string& path) {
  auto t = device::OpenTarget(path, {.write = false, .direct = false, .exclusive = false});
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(*t) : nullptr;
}

void WriteVolume(const FormatOptions& options, const std::optional<std::string>& source,
                 const std::string& image) {
  auto v = PlanFatVolume(options, source);
  ASSERT_TRUE(v.ok()) << v.status();
  auto t = device::OpenTarget(image, {.write = true, .create = true, .truncate = true});
  ASSERT_TRUE(t.ok()) << t.status();
  device::Target* targets[] = {t->get()};
  auto r = engine::StreamLayout(v->layout, targets, {});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->all_ok()) << r->targets[0].status;
}

std::string FileDigest(const std::string& path) {
  if (!fs::exists(path)) return "";
  CommandResult r = Run({"sha256sum", path}, 600);
  return r.output.substr(0, 64);
}

}  // namespace mediaforge::fat32::testutil
