// The CLI side of the wrong-disk guard: runs device::CheckTarget for every target, prints the
// reasons, asks on a TTY, and returns the exit code to stop with (or kExitOk to go ahead).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/cli_common.h"

namespace mediaforge::cli {

struct GuardFlags {
  bool yes = false;
  bool force = false;
};
// Adds --yes and --force.
void AddGuardFlags(CLI::App& cmd, GuardFlags& flags);

// `action` is what will happen ("write 4.2 GB", "format"), shown in the question. Returns
// kExitOk when every target may be written, kExitProblem when one is refused (with the reasons
// on stderr, and in `refusals` for --json), kExitError for bad paths.
int GuardTargets(const RunContext& ctx, const std::vector<std::string>& targets,
                 uint64_t required_bytes, const GuardFlags& flags, const std::string& action,
                 std::vector<std::string>* refusals = nullptr);

}  // namespace mediaforge::cli
