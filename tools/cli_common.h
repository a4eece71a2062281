// What every subcommand shares: the run context (cancel flag, --json, progress), size parsing,
// exit codes from cli-contract.md, and turning a Status into a message and exit code.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/destination.h"
#include "nlohmann/json.hpp"
#include "tools/progress_reporter.h"

namespace mediaforge::cli {

// cli-contract.md: 0 success, 1 the check found a problem / target refused, 2 usage or I/O error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitProblem = 1;
inline constexpr int kExitError = 2;

struct RunContext {
  // Set by the signal-watching thread on SIGINT/SIGTERM; long operations poll it.
  std::atomic<bool> cancel{false};
  // The signal that set `cancel` (0: none); the run then exits 128 + it.
  std::atomic<int> cancel_signal{0};
  bool stderr_is_tty = false;
  bool stdin_is_tty = false;
  int exit_code = kExitOk;
  // The `--progress json` stream, shared by every progress line of the run (it locks itself);
  // mutable because commands hold the context const while they report progress.
  mutable ProgressReporter progress_json;
  // Tests only: wraps the Target of every destination a command opens (fault injection on the
  // same road as the CLI: tests/faults/faulty_cli_main.cc). The shipped main() never sets it,
  // so no fault hook is reachable in the mediaforge binary (docs/RELIABILITY.md).
  std::function<std::unique_ptr<device::Target>(std::unique_ptr<device::Target>)> wrap_target;
};

// The options every command opens its destinations with: `device_guard_passed` once
// GuardTargets cleared the path, plus the run's test-only wrapper (RunContext::wrap_target).
engine::DestinationOptions DestinationOptionsFor(const RunContext& ctx, bool device_guard_passed);

// The whole CLI: registers every command, watches SIGINT/SIGTERM/SIGHUP (a first signal sets
// ctx.cancel, a second exits 130 at once), parses argv, runs the command and returns its exit
// code. main() is this with a fresh context; tests/faults/ runs it with a wrapper set.
int RunMediaforge(int argc, char** argv, RunContext& ctx);

// Options most commands take; bound by AddCommonFlags.
struct CommonFlags {
  bool json = false;
  bool no_progress = false;
  std::string progress = "auto";      // --progress auto|bar|json|none
  const CLI::App* command = nullptr;  // names the command and its target in progress lines
  // Set by EmitJson: the command's one JSON object is out (FinishCommand checks).
  mutable bool json_emitted = false;
};
// Adds --json, --progress MODE and --no-progress (the same as --progress none).
void AddCommonFlags(CLI::App& cmd, CommonFlags& flags);

// "512", "64K", "32M", "4.7G", "2T" (binary multiples) -> bytes.
absl::StatusOr<uint64_t> ParseSize(absl::string_view text);

// --date EPOCH, else SOURCE_DATE_EPOCH, else unset (not reproducible).
absl::StatusOr<std::optional<int64_t>> ParseDateFlag(const std::string& flag);

// Reads a small file whole (boot code, templates), naming it in errors.
absl::StatusOr<std::vector<std::byte>> ReadSmallFile(const std::string& path, size_t max_bytes);

// Progress on stderr. --progress auto (the default): a bar (bytes, %, MB/s, ETA) when stderr is
// a TTY and --json is off, without escape sequences when NO_COLOR is set or TERM=dumb; bar: the
// bar whatever stderr is; json: ProgressReporter lines, `label` naming the phase ("verify
// /dev/sdb": phase verify of that target); none: nothing. Finish() clears the bar.
class ProgressLine {
 public:
  ProgressLine(const RunContext& ctx, const CommonFlags& flags, std::string label);
  ~ProgressLine();
  void Update(uint64_t done, uint64_t total);
  void Finish();

 private:
  bool enabled_;
  bool plain_;              // NO_COLOR / TERM=dumb: no ANSI sequences, pad with spaces instead
  ProgressReporter* json_;  // null unless --progress json
  size_t last_width_ = 0;
  std::string label_;
  int64_t start_ns_;
  int64_t last_draw_ns_ = 0;
  bool drawn_ = false;
};

// The last `--progress json` line, {"phase": "result", "ok", "exit_code"}, when the command run
// asked for JSON progress. main() calls it once the command has finished.
void ReportProgressResult(const CLI::App& app, const RunContext& ctx, int exit_code);

// Prints `j` on stdout (one object, one line) when --json, else nothing.
void EmitJson(const CommonFlags& flags, const nlohmann::json& j);
// A human line on stderr.
void Say(absl::string_view text);
// Reports a failed Status on stderr ("mediaforge: ...") and returns the exit code for it.
int ReportError(const absl::Status& status);
// The same, and with --json also the one JSON object on stdout: {"ok": false, "error": TEXT}.
int ReportError(const CommonFlags& flags, const absl::Status& status);

// Every command's callback ends here: with --json, a command that printed no object (a failure
// path that only said something on stderr) still prints {"ok": false, "error": ...}.
int FinishCommand(const CommonFlags& flags, int exit_code);

// Asks "type yes to continue" on a TTY; false when there is no TTY or the answer is not yes.
bool Confirm(const RunContext& ctx, absl::string_view question);

}  // namespace mediaforge::cli
