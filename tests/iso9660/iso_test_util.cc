#include "tests/iso9660/iso_test_util.h"

#include <map>

namespace mediaforge::testing {
namespace fs = std::filesystem;

void MakeSampleTree(const fs::path& root) {
  fs::create_directories(root / "docs" / "deep" / "deeper" / "deepest");
  fs::create_directories(root / "empty dir");
  fs::create_directories(root / "names");
  WriteWholeFile(root / "README.txt", "read me\n");
  WriteWholeFile(root / "empty.bin", "");
  WritePatternFile(root / "docs" / "pattern.dat", 3'000'123, 1);
  WritePatternFile(root / "docs" / "deep" / "deeper" / "deepest" / "small.dat", 2048, 2);
  WriteWholeFile(root / "names" / (std::string(200, 'L') + ".txt"), "long name");
  WriteWholeFile(root / "names" / "Ünïcödé – naïve.txt", "unicode");
  WriteWholeFile(root / "names" / "emoji \xF0\x9F\x98\x80.txt", "astral");
  WriteWholeFile(root / "names" / "a.b.c.d", "dots");
  WriteWholeFile(root / "names" / "MiXeD CaSe", "case");
  for (int i = 0; i < 40; ++i) {
    WriteWholeFile(root / "names" / ("collision_prefix_that_is_long_" + std::to_string(i) + ".txt"),
                   std::to_string(i));
  }
  fs::create_symlink("../README.txt", root / "docs" / "readme-link");
  fs::create_symlink("/etc/" + std::string(300, 's') + "/x", root / "docs" / "long-link");
}

namespace {
void ListInto(const fs::path& root, const fs::path& dir,
              std::map<std::string, fs::directory_entry>& m) {
  for (const auto& e : fs::directory_iterator(dir)) {
    m[e.path().lexically_relative(root).string()] = e;
    if (e.symlink_status().type() == fs::file_type::directory) ListInto(root, e.path(), m);
  }
}

std::map<std::string, fs::directory_entry> Listing(const fs::path& root) {
  std::map<std::string, fs::directory_entry> m;
  ListInto(root, root, m);
  return m;
}
}  // namespace

bool SameTree(const fs::path& a, const fs::path& b, std::string* why) {
  auto la = Listing(a), lb = Listing(b);
  for (const auto& [name, e] : la) {
    auto it = lb.find(name);
    if (it == lb.end()) {
      *why = "missing in copy: " + name;
      return false;
    }
    const fs::directory_entry& f = it->second;
    if (e.symlink_status().type() != f.symlink_status().type()) {
      *why = "type differs: " + name;
      return false;
    }
    if (e.is_symlink()) {
      if (fs::read_symlink(e.path()) != fs::read_symlink(f.path())) {
        *why = "symlink target differs: " + name;
        return false;
      }
    } else if (e.symlink_status().type() == fs::file_type::regular &&
               ReadWholeFile(e.path()) != ReadWholeFile(f.path())) {
      *why = "content differs: " + name;
      return false;
    }
  }
  if (la.size() != lb.size()) {
    *why =
        "copy has " + std::to_string(lb.size()) + " entries, source " + std::to_string(la.size());
    return false;
  }
  return true;
}

}  // namespace mediaforge::testing
