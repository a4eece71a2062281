// `--progress json`: progress as one JSON object per line on stderr, for GUI front-ends and
// scripts (cli-contract.md: command, phase, target, bytes_done, bytes_total, mb_per_s, eta_s).
// A line is written when a phase begins, about every 250 ms while it runs, when it ends, and a
// last "result" line when the command has finished, so a front-end can draw bars and know the
// outcome without scraping human text.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "nlohmann/json.hpp"

namespace mediaforge::cli {

class ProgressReporter {
 public:
  // Lines go to `out` (stderr in the CLI); the interval is the least time between two lines of
  // the same phase (the first, the last and a completed one are always written).
  explicit ProgressReporter(std::FILE* out = stderr, int64_t interval_ns = 250'000'000);

  // A new phase of `command` ("write", then "verify" of each target, ...). Writes a line at once.
  void BeginPhase(const std::string& command, const std::string& phase, const std::string& target);
  // bytes_done never goes back within a phase (a late report from another thread is ignored).
  void Update(uint64_t done, uint64_t total);
  // The phase's last line; nothing when no phase is open.
  void EndPhase();
  // The final line: {"phase": "result", "ok": ..., "exit_code": ...} with the last phase's bytes.
  void Result(const std::string& command, int exit_code);

 private:
  nlohmann::ordered_json LineLocked(int64_t now_ns) const;
  void WriteLocked(const nlohmann::ordered_json& line);

  std::FILE* out_;
  int64_t interval_ns_;
  std::mutex mu_;
  std::string command_, phase_, target_;
  bool open_ = false;
  int64_t start_ns_ = 0;
  int64_t last_line_ns_ = 0;
  uint64_t done_ = 0;
  uint64_t total_ = 0;
};

}  // namespace mediaforge::cli
