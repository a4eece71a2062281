// `mediaforge station` running in the background for the station's CLI tests: stdout (JSON
// lines) to a file, stderr beside it, optionally in a cgroup; killed on every exit path.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/support/test_support.h"

namespace mediaforge::testing {

// The station running in the background, stdout (JSON lines) to a file.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::filesystem::path& out,
             const std::string& cgroup = "")
      : out_(out) {
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      if (!cgroup.empty()) {
        std::ofstream(cgroup + "/cgroup.procs") << getpid() << std::endl;
      }
      int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      int err = open((out.string() + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(err, 2);
      int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
      std::vector<char*> args;
      std::string cli = MediaforgeCli();
      args.push_back(cli.data());
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && !exited_) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::vector<nlohmann::json> Events() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(out_);
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) out.push_back(j);
    }
    return out;
  }
  std::string Stderr() const {
    std::ifstream in(out_.string() + ".err");
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }
  // Waits until some event satisfies `pred`.
  bool WaitEvent(const std::function<bool(const nlohmann::json&)>& pred, int seconds) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& e : Events()) {
        if (pred(e)) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::optional<int> Wait(int seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }
  void Signal(int sig) { kill(pid_, sig); }

 private:
  std::filesystem::path out_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace mediaforge::testing
