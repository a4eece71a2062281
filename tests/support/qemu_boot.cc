#include "tests/support/qemu_boot.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "tests/support/test_support.h"

namespace mediaforge::testing {

std::string OvmfPath() {
  for (const char* p :
       {"/usr/share/ovmf/OVMF.fd", "/usr/share/OVMF/OVMF.fd", "/usr/share/qemu/OVMF.fd"}) {
    if (access(p, R_OK) == 0) return p;
  }
  return "";
}

std::optional<std::string> BootUnavailable(Firmware firmware) {
  if (!HaveTool("qemu-system-x86_64")) return "needs qemu-system-x86_64 (package qemu-system-x86)";
  if (firmware == Firmware::kUefi && OvmfPath().empty()) return "needs OVMF (package ovmf)";
  return std::nullopt;
}

BootResult BootAndWaitForMarker(const std::string& image, const std::string& marker,
                                const BootOptions& options) {
  BootResult result;
  std::vector<std::string> argv = {"qemu-system-x86_64",
                                   "-machine",
                                   "accel=tcg",
                                   "-m",
                                   std::to_string(options.memory_mb),
                                   "-nographic",
                                   "-serial",
                                   "mon:stdio",
                                   "-no-reboot",
                                   "-snapshot"};
  if (options.firmware == Firmware::kUefi) {
    argv.insert(argv.end(), {"-bios", OvmfPath()});
  }
  switch (options.media) {
    case Media::kDisk:
      argv.insert(argv.end(), {"-drive", "file=" + image + ",format=raw,if=ide", "-boot", "c"});
      break;
    case Media::kCdrom:
      argv.insert(argv.end(),
                  {"-drive", "file=" + image + ",media=cdrom,readonly=on", "-boot", "d"});
      break;
    case Media::kUsbDisk:
      argv.insert(argv.end(), {"-drive", "file=" + image + ",format=raw,if=none,id=stick",
                               "-device", "qemu-xhci", "-device", "usb-storage,drive=stick"});
      break;
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  for (const auto& a : argv) result.command += a + " ";

  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return result;
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    setpgid(0, 0);
    dup2(pipefd[1], STDOUT_FILENO);
    dup2(pipefd[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
  const auto deadline = t0 + std::chrono::seconds(options.timeout_seconds);
  char buf[4096];
  bool exited = false;
  int status = 0;
  while (true) {
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) result.console.append(buf, n);
    if (result.console.find(marker) != std::string::npos) {
      result.marker_seen = true;
      break;
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      while ((n = read(pipefd[0], buf, sizeof buf)) > 0) result.console.append(buf, n);
      result.marker_seen = result.console.find(marker) != std::string::npos;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      result.console +=
          "\n[qemu_boot: no marker after " + std::to_string(options.timeout_seconds) + " s]\n";
      break;
    }
    usleep(20000);
  }
  if (!exited) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(pipefd[0]);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace mediaforge::testing
