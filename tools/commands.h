// Each subcommand lives in its own tools/cmd_*.cc and registers itself here.
#pragma once

#include "CLI/CLI.hpp"
#include "tools/cli_common.h"

namespace mediaforge::cli {

void AddListCommand(CLI::App& app, RunContext& ctx);
void AddWriteCommand(CLI::App& app, RunContext& ctx);
void AddVerifyCommand(CLI::App& app, RunContext& ctx);
void AddCaptureCommand(CLI::App& app, RunContext& ctx);
void AddFormatCommand(CLI::App& app, RunContext& ctx);
void AddIsoCommand(CLI::App& app, RunContext& ctx);
void AddUsbCommand(CLI::App& app, RunContext& ctx);
void AddCreateCommand(CLI::App& app, RunContext& ctx);
void AddMediaCommand(CLI::App& app, RunContext& ctx);
void AddBenchCommand(CLI::App& app, RunContext& ctx);
// Hidden: __man and __completion, which generate the man pages and completions at build time.
void AddDocsCommands(CLI::App& app, RunContext& ctx);
void AddBmapCommand(CLI::App& app, RunContext& ctx);
void AddStationCommand(CLI::App& app, RunContext& ctx);

}  // namespace mediaforge::cli
