// The CLI as data, read from the registered CLI11 commands: what the man pages and the shell
// completions are generated from, so a new command or flag shows up in both without edits.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace mediaforge::cli {

// What a shell should offer for an argument or an option's value.
enum class ValueKind { kNone, kChoice, kFile, kDirectory, kDevice };

struct OptionModel {
  std::vector<std::string> names;  // "-o", "--output" (empty for a positional)
  std::string value_name;          // "SIZE", "IMAGE", "MODE"; empty for a flag
  std::string description;
  std::vector<std::string> choices;  // from an IsMember check
  ValueKind kind = ValueKind::kNone;
  bool positional = false;
  bool repeats = false;  // takes several values (TARGET..., --test T...)
  bool required = false;
};

struct CommandModel {
  std::string name;
  std::string description;
  std::vector<OptionModel> options;      // in registration order, --help first
  std::vector<OptionModel> positionals;  // in order
};

// Every visible subcommand of `app` (hidden ones, with an empty group, are left out).
std::vector<CommandModel> ReadCommands(const CLI::App& app);

}  // namespace mediaforge::cli
