// What `mediaforge station` shows while it runs: a live table on a TTY (one row per stick, rows
// stay after completion, a summary line), JSON lines on stdout with --json (one event per state
// change, a final summary), or plain log lines otherwise. Called from the station's main thread
// only, so output from sticks coming and going never interleaves.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "device/block_info.h"
#include "engine/station/stick_job.h"
#include "nlohmann/json.hpp"

namespace mediaforge::cli {

struct StickRow {
  int id = 0;
  device::BlockInfo disk;
  engine::station::StickState state = engine::station::StickState::kDetected;
  uint64_t done = 0, total = 0;
  double phase_start_s = 0;  // when the current phase began
  double mb_per_s = 0;       // current phase's rate
  std::optional<engine::station::StickResult> result;
};

class StationView {
 public:
  enum class Mode { kTable, kJson, kLog };
  explicit StationView(Mode mode) : mode_(mode) {}

  // The run starts: what is written, where the records go, how disks are watched.
  void Start(const nlohmann::json& info);
  // A disk the operator might have meant was not taken.
  void Skipped(const device::BlockInfo& disk, const std::string& reason);
  // A message that is no stick's (e.g. the database could not be written).
  void Note(const std::string& text);
  // A stick changed state (a final state carries its result).
  void StateChanged(const StickRow& row);
  // Progress only: redraws the table at most a few times a second.
  void Progress(const std::vector<const StickRow*>& rows, double now_s);
  // The last word: counts per result, with the resume hint when interrupted.
  void Summary(const std::vector<const StickRow*>& rows, bool interrupted, double seconds);

  static nlohmann::json RowJson(const StickRow& row);

 private:
  std::string RowText(const StickRow& row) const;
  void Redraw();
  void ClearTable();

  Mode mode_;
  std::vector<StickRow> table_;  // table mode: latest copy of every row, in arrival order
  int drawn_lines_ = 0;
  double last_draw_s_ = -1;
};

}  // namespace mediaforge::cli
