// The commands of the fault matrix and the signal tests, each set up in its own directory with
// real inputs: an image for `write` and `capture`, a source tree for `iso`, `format`, `usb` and
// `create` (a capture-media spec over the tree), and an existing output file holding older
// content (which every failure must leave as it was).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace mediaforge::faults {

struct Scene {
  std::string command;
  std::filesystem::path dir;
  std::vector<std::string> args;   // after the program name
  std::filesystem::path output;    // made by the command; exists before with older content
  std::filesystem::path sabotage;  // the source file the source cases cut or remove
  std::filesystem::path log;       // a by-product the command writes on every run (or empty)
};

// The commands covered, in table order.
const std::vector<std::string>& SceneCommands();

// Sets `command` up in `dir` (empty); nullopt with `why` when this machine cannot run it.
std::optional<Scene> MakeScene(const std::string& command, const std::filesystem::path& dir,
                               std::string* why);

// SHA-256 of every regular file under `dir` but `skip`, by path relative to `dir`.
std::map<std::string, std::string> HashTree(const std::filesystem::path& dir,
                                            const std::vector<std::filesystem::path>& skip);
std::string HashFile(const std::filesystem::path& path);

// The fault-injecting CLI (tests/faults/faulty_cli_main.cc), built beside this test binary.
std::string FaultyCli();

// Runs the faulty CLI on `scene` with the fault script `script` (may be empty).
testing::CommandResult RunScene(const Scene& scene, const std::string& script,
                                int timeout_seconds = 300);

}  // namespace mediaforge::faults
