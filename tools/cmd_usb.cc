#include "tools/commands.h"

namespace mediaforge::cli {

void AddUsbCommand(CLI::App& app, RunContext& ctx) {
  auto* cmd = app.add_subcommand("usb", "(not yet implemented)");
  cmd->allow_extras();
  cmd->callback([&ctx] {
    Say("mediaforge usb: not implemented yet");
    ctx.exit_code = kExitError;
  });
}

}  // namespace mediaforge::cli
