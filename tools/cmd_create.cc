#include "tools/commands.h"

namespace mediaforge::cli {

void AddCreateCommand(CLI::App& app, RunContext& ctx) {
  // Hidden from --help (empty group) until the create issue makes it real.
  auto* cmd = app.add_subcommand("create", "(not yet implemented)")->group("");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge create: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
