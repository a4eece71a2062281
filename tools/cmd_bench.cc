#include "tools/commands.h"

namespace mediaforge::cli {

void AddBenchCommand(CLI::App& app, RunContext& ctx) {
  auto* cmd = app.add_subcommand("bench", "(not yet implemented)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge bench: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
