// Real parts for tests: scratch directories, running outside judges (fsck.fat, xorriso, ...),
// and loop devices this test attached itself (always detached, whatever happens).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mediaforge::testing {

// A fresh directory under $TMPDIR (or /var/tmp), removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;      // -1: could not run; 128+N: killed by signal N
  std::string output;      // stdout and stderr, interleaved
  bool timed_out = false;  // killed at the time limit
  bool stopped = false;    // killed because `stop_when` said so
};

// Runs `argv` (no shell), with an optional time limit in seconds; the output is captured.
CommandResult Run(const std::vector<std::string>& argv, int timeout_seconds = 300);

// The same, and stops the command (its whole process group) as soon as `stop_when` returns
// true for the output so far: watching a boot for a marker on the serial line.
CommandResult RunUntil(const std::vector<std::string>& argv, int timeout_seconds,
                       const std::function<bool(const std::string& output)>& stop_when);
// Runs a shell snippet with /bin/sh -c.
CommandResult RunShell(const std::string& script, int timeout_seconds = 300);
// True when `tool` is on PATH (or an absolute path that exists and is executable).
bool HaveTool(const std::string& tool);

// Path of the built mediaforge CLI (from the MEDIAFORGE_CLI environment variable set by ctest,
// or next to the test binary).
std::string MediaforgeCli();

// Runs the mediaforge CLI with `args` (no shell); stdout and stderr are captured together.
CommandResult RunMediaforge(std::vector<std::string> args, int timeout_seconds = 300);

// The object a `--json` run printed: the last line of the output that starts with '{' (human
// text goes to stderr, interleaved before it). Empty string when there is none.
std::string LastJsonLine(const std::string& output);

// A file of `size` bytes with deterministic pseudo-random content from `seed`.
void WritePatternFile(const std::filesystem::path& path, uint64_t size, uint64_t seed);
std::vector<char> ReadWholeFile(const std::filesystem::path& path);
// The same, as a string (logs, outputs, raw media bytes to search).
std::string ReadTextFile(const std::filesystem::path& path);
// The names in `dir` (not recursive), sorted: "nothing left behind" checks.
std::vector<std::string> DirectoryEntries(const std::filesystem::path& dir);
void WriteWholeFile(const std::filesystem::path& path, std::string_view content);
// Damage for "is it detected" tests: inverts the byte at `offset` of `path`, so it differs from
// what was there whatever that was (a constant written over random bytes, e.g. a GUID, is a no-op
// once in 256 runs). Returns the byte that was there, to put back with a second call.
char FlipByte(const std::filesystem::path& path, uint64_t offset);

// The UEFI side of a boot image for `create` specs: a real x64 EFI binary (shim's MokManager)
// copied as `boot`/EFI/BOOT/BOOTX64.EFI. "" on success, else why not (no such binary here).
std::string MakeBootImageTree(const std::filesystem::path& boot);
// The sources of a sample `create` spec under `dir`: the boot image tree `boot`
// (MakeBootImageTree plus a BIOS boot/isolinux/isolinux.bin) and drivers/net/e1000.sys of
// `driver_bytes`. "" on success, else why not.
std::string MakeSampleMediaSources(const std::filesystem::path& dir, uint64_t driver_bytes);

// A loop device over a file, attached by this object and detached by it in every exit path.
class LoopDevice {
 public:
  // Attaches `backing` with `losetup -f --show` (plus --direct-io=on / -P when asked). Returns
  // nullopt with `why` set when loop devices are not available here (not root, no
  // /dev/loop-control, losetup failing).
  static std::optional<LoopDevice> Attach(const std::filesystem::path& backing, bool partscan,
                                          bool direct_io, std::string* why);
  // The same over a blank `backing` made first: `size` bytes of zeros (sparse).
  static std::optional<LoopDevice> AttachBlank(const std::filesystem::path& backing, uint64_t size,
                                               bool partscan, bool direct_io, std::string* why);
  LoopDevice(LoopDevice&& other) noexcept;
  LoopDevice& operator=(LoopDevice&&) = delete;
  ~LoopDevice();
  const std::string& path() const { return path_; }

 private:
  explicit LoopDevice(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace mediaforge::testing

// Skips the current test with a message naming the missing capability.
#define MF_REQUIRE_TOOL(tool)                                 \
  do {                                                        \
    if (!::mediaforge::testing::HaveTool(tool))               \
      GTEST_SKIP() << "needs " << tool << " (not installed)"; \
  } while (0)
