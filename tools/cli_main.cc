// The mediaforge CLI as a function (RunMediaforge, tools/cli_common.h): main.cc runs it; the
// fault-injecting test build (tests/faults/) runs the very same function with a Target wrapper.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>

#include "tools/cli_common.h"
#include "tools/commands.h"
#include "tools/version_info.h"

namespace {

// SIGINT/SIGTERM/SIGHUP are blocked in every thread and taken here by sigwait, so cancellation is a
// flag in the run context rather than a global touched from a signal handler. A second signal
// exits at once (128 + its number); image files then vanish with the process (O_TMPFILE), except
// in the instant of the final rename (docs/RELIABILITY.md).
void WatchSignals(mediaforge::cli::RunContext* ctx, sigset_t set) {
  int sig = 0;
  bool seen = false;
  while (sigwait(&set, &sig) == 0) {
    if (sig == SIGUSR2) return;  // shutdown of this watcher
    if (seen) _exit(128 + sig);
    seen = true;
    ctx->cancel_signal.store(sig);
    ctx->cancel.store(true);
    static constexpr char kMsg[] = "\nmediaforge: interrupted, stopping cleanly (again to abort)\n";
    (void)!write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  }
}

}  // namespace

namespace mediaforge::cli {

int RunMediaforge(int argc, char** argv, RunContext& ctx) {
  ctx.stderr_is_tty = isatty(STDERR_FILENO);
  ctx.stdin_is_tty = isatty(STDIN_FILENO);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);  // the terminal went away: stop cleanly too
  sigaddset(&set, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread watcher(WatchSignals, &ctx, set);

  CLI::App app{"mediaforge: bootable media, verified writes, honest drive numbers", "mediaforge"};
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText, "The version, git commit and libraries linked");
  AddListCommand(app, ctx);
  AddWriteCommand(app, ctx);
  AddVerifyCommand(app, ctx);
  AddCaptureCommand(app, ctx);
  AddFormatCommand(app, ctx);
  AddIsoCommand(app, ctx);
  AddUsbCommand(app, ctx);
  AddCreateCommand(app, ctx);
  AddMediaCommand(app, ctx);
  AddBenchCommand(app, ctx);
  AddBmapCommand(app, ctx);
  AddStationCommand(app, ctx);
  AddDocsCommands(app, ctx);  // last: it documents the commands registered above

  int rc = kExitOk;
  try {
    app.parse(argc, argv);
    rc = ctx.exit_code;
  } catch (const CLI::ParseError& e) {
    rc = app.exit(e);
    if (rc != 0) {
      rc = kExitError;
      // A usage error stops before any command runs; --json still gets its one object.
      const bool json = std::any_of(argv + 1, argv + argc,
                                    [](const char* a) { return std::string_view(a) == "--json"; });
      CommonFlags flags{.json = json};
      EmitJson(flags, {{"ok", false}, {"error", e.what()}});
    }
  }
  // Stopped by a signal: the shell's convention, 128 + its number (130 SIGINT, 143 SIGTERM,
  // 129 SIGHUP). A command that had already finished keeps its own code: its output is whole.
  if (const int sig = ctx.cancel_signal.load(); sig != 0 && rc != kExitOk) {
    rc = 128 + sig;
    std::fprintf(stderr, "mediaforge: stopped by %s (exit %d)\n", strsignal(sig), rc);
  }
  ReportProgressResult(app, ctx, rc);
  std::fflush(stdout);
  pthread_kill(watcher.native_handle(), SIGUSR2);
  watcher.join();
  return rc;
}

}  // namespace mediaforge::cli
