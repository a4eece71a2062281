#include "tests/faults/fault_cases.h"

#include <unistd.h>

#include <fstream>

#include "device/sha256.h"
#include "nlohmann/json.hpp"

namespace mediaforge::faults {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kImageBytes = 24u << 20;

void MakeTree(const fs::path& tree) {
  fs::create_directories(tree / "sub");
  testing::WriteWholeFile(tree / "a.txt", "a small file\n");
  testing::WritePatternFile(tree / "sub/c.bin", 1 << 20, 3);
  testing::WritePatternFile(tree / "zz-big.bin", 12 << 20, 4);
}

}  // namespace

const std::vector<std::string>& SceneCommands() {
  static const std::vector<std::string> kCommands = {"write",  "capture", "iso",
                                                     "format", "usb",     "create"};
  return kCommands;
}

std::optional<Scene> MakeScene(const std::string& command, const fs::path& dir, std::string* why) {
  Scene s;
  s.command = command;
  s.dir = dir;
  s.output = dir / "out.img";
  if (command == "write" || command == "capture") {
    s.sabotage = dir / "src.img";
    testing::WritePatternFile(s.sabotage, kImageBytes, 1);
    s.args =
        command == "write"
            ? std::vector<std::string>{"write", s.sabotage.string(), s.output.string()}
            : std::vector<std::string>{"capture", s.sabotage.string(), "-o", s.output.string()};
  } else {
    MakeTree(dir / "tree");
    s.sabotage = dir / "tree/zz-big.bin";
    const std::string tree = (dir / "tree").string();
    if (command == "iso") {
      s.output = dir / "out.iso";
      s.args = {"iso", tree, "-o", s.output.string()};
    } else if (command == "format") {
      s.args = {"format", s.output.string(), "--from", tree, "--size", "64M"};
    } else if (command == "usb") {
      s.args = {"usb", tree, s.output.string(), "--size", "64M"};
    } else if (command == "create") {
      if (std::string w = testing::MakeBootImageTree(dir / "boot"); !w.empty()) {
        *why = w;
        return std::nullopt;
      }
      s.output = dir / "out.iso";
      nlohmann::ordered_json spec = {
          {"type", "capture"},   {"output", {{"kind", "iso"}, {"path", "out.iso"}}},
          {"label", "Faults"},   {"boot_image", {{"path", "boot"}}},
          {"content", {"tree"}}, {"capture", {{"destination", "\\\\srv\\c\\ref.img"}}}};
      testing::WriteWholeFile(dir / "spec.json", spec.dump(2));
      s.log = dir / "create.log";  // the creation log, written whatever the outcome
      s.args = {"create", (dir / "spec.json").string(), "--log", s.log.string()};
    } else {
      *why = "unknown command " + command;
      return std::nullopt;
    }
  }
  s.args.push_back("--no-progress");
  testing::WritePatternFile(s.output, 1 << 20, 99);  // the older output every failure keeps
  return s;
}

std::string HashFile(const fs::path& path) {
  auto bytes = testing::ReadWholeFile(path);
  return device::Sha256Hex(std::as_bytes(std::span(bytes.data(), bytes.size())));
}

std::map<std::string, std::string> HashTree(const fs::path& dir,
                                            const std::vector<fs::path>& skip) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    bool skipped = false;
    for (const auto& k : skip) skipped = skipped || e.path() == k;
    if (!skipped) out[fs::relative(e.path(), dir).string()] = HashFile(e.path());
  }
  return out;
}

std::string FaultyCli() {
  return (fs::read_symlink("/proc/self/exe").parent_path() / "mediaforge_faulty").string();
}

testing::CommandResult RunScene(const Scene& scene, const std::string& script,
                                int timeout_seconds) {
  std::vector<std::string> argv = {"env", "MEDIAFORGE_TEST_FAULT=" + script,
                                   "SOURCE_DATE_EPOCH=1764547200", FaultyCli()};
  argv.insert(argv.end(), scene.args.begin(), scene.args.end());
  return testing::Run(argv, timeout_seconds);
}

}  // namespace mediaforge::faults
