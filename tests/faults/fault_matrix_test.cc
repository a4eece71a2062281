// The fault matrix of docs/RELIABILITY.md: every writing command × every fault, through the
// real CLI code (mediaforge_faulty: the same RunMediaforge with a fault script on each
// destination). Each failing case must give exit 2, one error naming the target (or the source
// file) and the byte offset (the exact sector for EIO), leave no temporary file, keep the older
// output file byte for byte and leave the sources untouched. The table is written beside this
// binary (fault_matrix.md) and, with MEDIAFORGE_RELIABILITY_DOC=docs/RELIABILITY.md, into the doc
// between its fault-matrix markers.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/faults/fault_cases.h"

namespace mediaforge::faults {
namespace {

namespace fs = std::filesystem;

enum class Expect {
  kFail,            // exit 2 and everything as it was
  kComplete,        // exit 0 and the same output as without the fault
  kFailOrComplete,  // either (documented: an open file survives its unlink)
};

struct FaultCase {
  std::string name;
  Expect expect;
  bool source_sabotaged;
  std::function<std::string(const Scene&, uint64_t written)> script;
};

const std::vector<FaultCase>& Cases() {
  static const std::vector<FaultCase> kCases = {
      {"EIO on the first write", Expect::kFail, false,
       [](const Scene&, uint64_t) { return std::string("eio-after=0"); }},
      {"EIO half way", Expect::kFail, false,
       [](const Scene&, uint64_t w) { return absl::StrCat("eio-after=", w / 2); }},
      {"EIO on the last write", Expect::kFail, false,
       [](const Scene&, uint64_t w) { return absl::StrCat("eio-after=", w - 1); }},
      {"EIO on the final flush (fdatasync)", Expect::kFail, false,
       [](const Scene&, uint64_t) { return std::string("flush-eio"); }},
      {"short writes (at most 1000 bytes each)", Expect::kComplete, false,
       [](const Scene&, uint64_t) { return std::string("short=1000"); }},
      {"ENOSPC half way", Expect::kFail, false,
       [](const Scene&, uint64_t w) { return absl::StrCat("enospc-after=", w / 2); }},
      {"target vanishes half way (ENODEV)", Expect::kFail, false,
       [](const Scene&, uint64_t w) { return absl::StrCat("vanish-after=", w / 2); }},
      {"source cut to 0 bytes after planning", Expect::kFail, true,
       [](const Scene& s, uint64_t) {
         return absl::StrCat("truncate=", s.sabotage.string(), "@0");
       }},
      {"source removed after planning", Expect::kFailOrComplete, true,
       [](const Scene& s, uint64_t) { return absl::StrCat("remove=", s.sabotage.string(), "@0"); }},
  };
  return kCases;
}

// The error lines the command printed ("mediaforge: ...").
std::string ErrorLines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("mediaforge: ", 0) == 0 || line.rfind("mediaforge ", 0) == 0) {
      lines.push_back(line);
    }
  }
  return absl::StrJoin(lines, " / ");
}

// What the scene's directory holds, but the sabotaged source and the by-product log.
std::vector<std::string> Entries(const Scene& scene) {
  std::vector<std::string> out;
  for (const std::string& name : testing::DirectoryEntries(scene.dir)) {
    if (name != scene.sabotage.filename().string() && name != scene.log.filename().string()) {
      out.push_back(name);
    }
  }
  return out;
}

struct Cell {
  std::string text;  // what the table shows
  bool pass = false;
  std::string message;
};

// Runs one case of one command in a fresh scene and checks every promise.
Cell RunCase(const std::string& command, const FaultCase& c, uint64_t written,
             const std::string& good_output_hash) {
  testing::TempDir dir, scratch;
  std::string why;
  auto scene = MakeScene(command, dir.path(), &why);
  if (!scene) return {"skipped: " + why, true, ""};
  const std::string old_output = HashFile(scene->output);
  const std::vector<fs::path> not_sources = {scene->output, scene->sabotage, scene->log};
  const auto sources_before = HashTree(dir.path(), not_sources);
  const auto entries_before = Entries(*scene);
  const fs::path count = scratch / "count";
  const std::string script = absl::StrCat(c.script(*scene, written), ",count=", count.string());
  auto r = RunScene(*scene, script);

  std::vector<std::string> wrong;
  Cell cell;
  cell.message = ErrorLines(r.output);
  const bool completed = r.exit_code == 0;
  if (completed && c.expect != Expect::kFail) {
    if (HashFile(scene->output) != good_output_hash) wrong.push_back("output differs");
    cell.text = c.expect == Expect::kComplete ? "complete, same bytes" : "complete (open source)";
  } else {
    cell.text = absl::StrCat("exit ", r.exit_code);
    if (r.exit_code != 2) wrong.push_back("exit code");
    const fs::path named = c.source_sabotaged ? scene->sabotage : scene->output;
    if (cell.message.find(named.string()) == std::string::npos) {
      wrong.push_back("message does not name " + named.filename().string());
    }
    if (cell.message.find("offset") == std::string::npos) wrong.push_back("no byte offset");
    std::istringstream counts(testing::ReadTextFile(count));
    uint64_t n = 0, bad = 0;
    if (counts >> n >> bad &&
        cell.message.find(absl::StrCat("byte offset ", bad)) == std::string::npos) {
      wrong.push_back(absl::StrCat("not the failing sector's offset ", bad));
    }
    if (HashFile(scene->output) != old_output) wrong.push_back("older output changed");
    if (Entries(*scene) != entries_before) wrong.push_back("files left");
  }
  if (HashTree(dir.path(), not_sources) != sources_before) {
    wrong.push_back("sources changed");
  }
  if (!c.source_sabotaged && HashFile(scene->sabotage).empty()) wrong.push_back("source gone");
  cell.pass = wrong.empty();
  if (cell.pass) {
    absl::StrAppend(&cell.text, " ✓");
  } else {
    cell.text = absl::StrCat("✗ ", cell.text, ": ", absl::StrJoin(wrong, ", "));
    cell.message += "\n" + r.output;
  }
  return cell;
}

void SpliceIntoDoc(const fs::path& doc, const std::string& table) {
  constexpr char kBegin[] = "<!-- fault-matrix:begin -->";
  constexpr char kEnd[] = "<!-- fault-matrix:end -->";
  std::string text = testing::ReadTextFile(doc);
  const size_t b = text.find(kBegin), e = text.find(kEnd);
  ASSERT_NE(b, std::string::npos) << doc << " has no " << kBegin;
  ASSERT_NE(e, std::string::npos) << doc << " has no " << kEnd;
  text = absl::StrCat(text.substr(0, b + sizeof kBegin - 1), "\n", table, text.substr(e));
  std::ofstream(doc) << text;
}

TEST(FaultMatrix, EveryWritingCommandSurvivesEveryFault) {
  const auto& commands = SceneCommands();
  std::vector<std::vector<Cell>> cells(Cases().size());
  std::vector<std::string> examples;
  for (const std::string& command : commands) {
    // The baseline: how many bytes the command writes, and what it makes, without faults.
    testing::TempDir dir, scratch;
    std::string why;
    auto scene = MakeScene(command, dir.path(), &why);
    uint64_t written = 0;
    std::string good;
    if (scene) {
      auto r = RunScene(*scene, "count=" + (scratch / "count").string());
      ASSERT_EQ(r.exit_code, 0) << command << ": " << r.output;
      written = std::stoull(testing::ReadTextFile(scratch / "count"));
      good = HashFile(scene->output);
      ASSERT_GT(written, 2u << 20) << command;
    }
    for (size_t i = 0; i < Cases().size(); ++i) {
      Cell cell =
          scene ? RunCase(command, Cases()[i], written, good) : Cell{"skipped: " + why, true, ""};
      EXPECT_TRUE(cell.pass) << command << " / " << Cases()[i].name << ": " << cell.text << "\n"
                             << cell.message;
      if (i == 1 && scene) examples.push_back(absl::StrCat("- `", command, "`: ", cell.message));
      cells[i].push_back(std::move(cell));
    }
  }

  std::string table = "| case | " + absl::StrJoin(commands, " | ") + " |\n|---|";
  for (size_t i = 0; i < commands.size(); ++i) table += "---|";
  table += "\n";
  for (size_t i = 0; i < Cases().size(); ++i) {
    table += "| " + Cases()[i].name + " |";
    for (const Cell& c : cells[i]) table += " " + c.text + " |";
    table += "\n";
  }
  table +=
      "\nThe error each command gave for \"EIO half way\" (paths are the test's scratch "
      "directory):\n\n" +
      absl::StrJoin(examples, "\n") + "\n";
  std::ofstream(fs::read_symlink("/proc/self/exe").parent_path() / "fault_matrix.md") << table;
  if (const char* doc = std::getenv("MEDIAFORGE_RELIABILITY_DOC"); doc && *doc) {
    SpliceIntoDoc(doc, table);
  }
}

}  // namespace
}  // namespace mediaforge::faults
