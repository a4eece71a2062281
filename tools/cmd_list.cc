#include "tools/commands.h"

namespace mediaforge::cli {

void AddListCommand(CLI::App& app, RunContext& ctx) {
  auto* cmd = app.add_subcommand("list", "(not yet implemented)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge list: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
