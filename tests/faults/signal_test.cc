// SIGINT, SIGTERM and SIGHUP at several points of each writing command, sent to the CLI process
// (mediaforge_faulty: the real RunMediaforge and its signal watcher, over a destination slowed
// to 150 ms a write so the signal lands mid-stream). Each run must stop cleanly: exit 128 + the
// signal with a message (or 0 when the command had already finished: then the new output is
// whole), the older output file unchanged, no temporary file, the sources untouched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/faults/fault_cases.h"

namespace mediaforge::faults {
namespace {

namespace fs = std::filesystem;

struct Stopped {
  int exit_code = -1;   // 128 + N when killed by signal N
  bool killed = false;  // the default action: the signal came before main() took it over
  std::string output;
};

// Starts the faulty CLI on `scene`, sends `sig` after `delay`, waits for the end (60 s at most).
Stopped RunAndSignal(const Scene& scene, int sig, std::chrono::milliseconds delay,
                     const fs::path& log) {
  std::vector<std::string> args = {FaultyCli()};
  args.insert(args.end(), scene.args.begin(), scene.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("MEDIAFORGE_TEST_FAULT", "delay-ms=150", 1);
    ::setenv("SOURCE_DATE_EPOCH", "1764547200", 1);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  std::this_thread::sleep_for(delay);
  ::kill(pid, sig);
  Stopped s;
  int status = 0;
  for (int i = 0; i < 600; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      s.killed = WIFSIGNALED(status);
      s.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (s.exit_code < 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  auto bytes = testing::ReadWholeFile(log);
  s.output.assign(bytes.begin(), bytes.end());
  return s;
}

class SignalTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SignalTest, StopsCleanlyAtEveryPoint) {
  // A fixed seed, printed: a failing point can be replayed.
  std::mt19937 random(std::hash<std::string>{}(GetParam()) ^ 14);
  int stopped = 0;  // runs the signal really stopped (not finished before it)
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    // Early (planning or the first write), then a random point of the stream.
    for (int delay_ms : {30, 100 + static_cast<int>(random() % 900)}) {
      SCOPED_TRACE(absl::StrCat(GetParam(), ": ", strsignal(sig), " after ", delay_ms, " ms"));
      testing::TempDir dir, scratch;
      std::string why;
      auto scene = MakeScene(GetParam(), dir.path(), &why);
      if (!scene) GTEST_SKIP() << why;
      const std::string old_output = HashFile(scene->output);
      const auto sources = HashTree(dir.path(), {scene->output, scene->log});
      if (!scene->log.empty()) testing::WriteWholeFile(scene->log, "");  // a by-product
      const auto entries = testing::DirectoryEntries(dir.path());
      auto s = RunAndSignal(*scene, sig, std::chrono::milliseconds(delay_ms), scratch / "log");
      EXPECT_EQ(HashTree(dir.path(), {scene->output, scene->log}), sources) << "sources changed";
      EXPECT_EQ(testing::DirectoryEntries(dir.path()), entries) << "files left behind";
      if (s.exit_code == 0) {  // finished before the signal was seen: the new output is whole
        EXPECT_NE(HashFile(scene->output), old_output) << s.output;
        continue;
      }
      ++stopped;
      EXPECT_EQ(s.exit_code, 128 + sig) << s.output;
      if (!s.killed) {
        EXPECT_NE(s.output.find("stopped by"), std::string::npos) << s.output;
      }
      EXPECT_EQ(HashFile(scene->output), old_output) << "older output changed\n" << s.output;
    }
  }
  EXPECT_GE(stopped, 3) << "most signals should land while " << GetParam() << " is writing";
}

INSTANTIATE_TEST_SUITE_P(Commands, SignalTest, ::testing::ValuesIn(SceneCommands()));

}  // namespace
}  // namespace mediaforge::faults
