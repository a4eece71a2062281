#include "tools/commands.h"

namespace mediaforge::cli {

void AddIsoCommand(CLI::App& app, RunContext& ctx) {
  auto* cmd = app.add_subcommand("iso", "(not yet implemented)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge iso: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
