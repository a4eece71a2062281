// Shell completion scripts generated from the CLI model (subcommands, options, choices, which
// arguments are files, directories or devices). Device arguments are completed at run time from
// `mediaforge list --all -n -o PATH` (removable disks first), then image files.
#pragma once

#include <string>
#include <vector>

#include "tools/cli_model.h"

namespace mediaforge::cli {

std::string BashCompletion(const std::vector<CommandModel>& cmds);
std::string ZshCompletion(const std::vector<CommandModel>& cmds);

}  // namespace mediaforge::cli
