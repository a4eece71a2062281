#include "tools/commands.h"

namespace mediaforge::cli {

void AddFormatCommand(CLI::App& app, RunContext& ctx) {
  auto* cmd = app.add_subcommand("format", "(not yet implemented)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge format: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
