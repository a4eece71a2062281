#include "tests/support/test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace mediaforge::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/var/tmp") + "/mediaforge-test-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

CommandResult Run(const std::vector<std::string>& argv, int timeout_seconds) {
  return RunUntil(argv, timeout_seconds, nullptr);
}

CommandResult RunUntil(const std::vector<std::string>& argv, int timeout_seconds,
                       const std::function<bool(const std::string& output)>& stop_when) {
  CommandResult result;
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return result;
  pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so a time limit kills what it started too
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
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buf[65536];
  int status = 0;
  bool exited = false;
  auto drain = [&] {
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) result.output.append(buf, n);
    return n;
  };
  while (true) {
    ssize_t n = drain();
    if (stop_when && stop_when(result.output)) {
      result.stopped = true;
      break;
    }
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
    if (exited) {
      // The child is gone; take what its descendants still hold open only briefly.
      if (n < 0 && errno == EAGAIN) {
        usleep(1000);
        drain();
      }
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      result.timed_out = true;
      result.output += "\n[test_support: killed after " + std::to_string(timeout_seconds) + " s]\n";
      break;
    }
    usleep(stop_when ? 20000 : 2000);
  }
  if (!exited) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(pipefd[0]);
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  return result;
}

CommandResult RunShell(const std::string& script, int timeout_seconds) {
  return Run({"/bin/sh", "-c", script}, timeout_seconds);
}

bool HaveTool(const std::string& tool) {
  if (tool.find('/') != std::string::npos) return access(tool.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
  }
  for (const char* d : {"/usr/sbin", "/sbin"}) {
    if (access((std::string(d) + "/" + tool).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string MediaforgeCli() {
  if (const char* p = std::getenv("MEDIAFORGE_CLI"); p && *p) return p;
  // Run by hand: find the build tree's tools/mediaforge above the test binary.
  for (fs::path dir = fs::read_symlink("/proc/self/exe").parent_path(); !dir.empty();
       dir = dir.parent_path()) {
    if (fs::exists(dir / "tools" / "mediaforge")) return (dir / "tools" / "mediaforge").string();
    if (dir == dir.root_path()) break;
  }
  return "mediaforge";
}

CommandResult RunMediaforge(std::vector<std::string> args, int timeout_seconds) {
  args.insert(args.begin(), MediaforgeCli());
  return Run(args, timeout_seconds);
}

std::string LastJsonLine(const std::string& output) {
  size_t pos = output.rfind("\n{");
  size_t start =
      pos == std::string::npos ? (output.rfind('{', 0) == 0 ? 0 : std::string::npos) : pos + 1;
  if (start == std::string::npos) return "";
  return output.substr(start, output.find('\n', start) - start);
}

std::string MakeBootImageTree(const fs::path& boot) {
  constexpr char kLoader[] = "/usr/lib/shim/mmx64.efi";
  if (!fs::exists(kLoader)) return std::string("no x64 EFI binary at ") + kLoader;
  fs::create_directories(boot / "EFI/BOOT");
  fs::copy_file(kLoader, boot / "EFI/BOOT/BOOTX64.EFI");
  return "";
}

std::string MakeSampleMediaSources(const fs::path& dir, uint64_t driver_bytes) {
  if (std::string why = MakeBootImageTree(dir / "boot"); !why.empty()) return why;
  fs::create_directories(dir / "boot/isolinux");
  WritePatternFile(dir / "boot/isolinux/isolinux.bin", 8192, 1);
  fs::create_directories(dir / "drivers/net");
  WritePatternFile(dir / "drivers/net/e1000.sys", driver_bytes, 2);
  return "";
}

void WritePatternFile(const fs::path& path, uint64_t size, uint64_t seed) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> block(8192);
  while (size > 0) {
    for (auto& w : block) w = rng();
    uint64_t n = std::min<uint64_t>(size, block.size() * 8);
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    size -= n;
  }
}

std::vector<std::string> DirectoryEntries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

char FlipByte(const fs::path& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!f.is_open()) ADD_FAILURE() << "FlipByte: cannot open " << path;
  f.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  if (!f.get(byte)) ADD_FAILURE() << "FlipByte: " << path << " has no byte at " << offset;
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(~byte));
  if (!f.flush()) ADD_FAILURE() << "FlipByte: cannot write " << path << " at " << offset;
  return byte;
}

std::vector<char> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

std::string ReadTextFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteWholeFile(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::optional<LoopDevice> LoopDevice::Attach(const fs::path& backing, bool partscan, bool direct_io,
                                             std::string* why) {
  if (geteuid() != 0) {
    *why = "loop devices need root";
    return std::nullopt;
  }
  if (access("/dev/loop-control", R_OK | W_OK) != 0) {
    *why = "no /dev/loop-control on this machine";
    return std::nullopt;
  }
  std::vector<std::string> argv = {"losetup", "-f", "--show"};
  if (partscan) argv.push_back("-P");
  if (direct_io) argv.push_back("--direct-io=on");
  argv.push_back(backing.string());
  CommandResult r = Run(argv, 60);
  if (r.exit_code != 0) {
    *why = "losetup failed: " + r.output;
    return std::nullopt;
  }
  std::string dev = r.output.substr(0, r.output.find('\n'));
  if (dev.rfind("/dev/loop", 0) != 0) {
    *why = "losetup printed no device: " + r.output;
    return std::nullopt;
  }
  return LoopDevice(dev);
}

std::optional<LoopDevice> LoopDevice::AttachBlank(const fs::path& backing, uint64_t size,
                                                  bool partscan, bool direct_io, std::string* why) {
  { std::ofstream(backing, std::ios::binary | std::ios::trunc).close(); }
  fs::resize_file(backing, size);
  return Attach(backing, partscan, direct_io, why);
}

LoopDevice::LoopDevice(LoopDevice&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

LoopDevice::~LoopDevice() {
  if (path_.empty()) return;
  // Retry: udev may still hold the device for a moment after a partition rescan.
  for (int i = 0; i < 50; ++i) {
    if (Run({"losetup", "-d", path_}, 30).exit_code == 0) return;
    usleep(100000);
  }
}

}  // namespace mediaforge::testing
