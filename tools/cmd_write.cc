#include "tools/commands.h"

namespace mediaforge::cli {

void AddWriteCommand(CLI::App& app, RunContext& ctx) {
  auto* cmd = app.add_subcommand("write", "(not yet implemented)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge write: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
