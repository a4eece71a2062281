#include "tools/commands.h"

namespace mediaforge::cli {

void AddCaptureCommand(CLI::App& app, RunContext& ctx) {
  auto* cmd = app.add_subcommand("capture", "(not yet implemented)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge capture: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
