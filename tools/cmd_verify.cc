#include "tools/commands.h"

namespace mediaforge::cli {

void AddVerifyCommand(CLI::App& app, RunContext& ctx) {
  auto* cmd = app.add_subcommand("verify", "(not yet implemented)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge verify: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
