#include "tools/station_view.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mediaforge::cli {
namespace st = engine::station;

namespace {

std::string Now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Who(const device::BlockInfo& d) {
  std::string who = absl::StrCat(d.vendor, d.vendor.empty() ? "" : " ", d.model);
  if (who.empty() && !d.loop_backing_file.empty()) who = d.loop_backing_file;
  return who;
}

// 16.0G, 512.0M: sizes as people read them on a stick's label (binary units).
std::string HumanSize(uint64_t bytes) {
  if (bytes >= (1ull << 30)) return absl::StrFormat("%.1fG", bytes / double(1ull << 30));
  return absl::StrFormat("%.1fM", bytes / double(1ull << 20));
}

// Columns of the terminal (rows longer than it would wrap and break the redraw).
size_t TerminalWidth() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 200;
}

std::string Fit(std::string s, size_t width) {
  if (s.size() > width) s = "…" + s.substr(s.size() - (width - 1));
  return s;
}

void Line(const nlohmann::json& j) { std::cout << j.dump() << '\n' << std::flush; }

}  // namespace

nlohmann::json StationView::RowJson(const StickRow& row) {
  const device::BlockInfo& d = row.disk;
  nlohmann::json j = {
      {"event", "state"},   {"time", Now()},      {"stick", row.id},
      {"device", d.path},   {"vendor", d.vendor}, {"model", d.model},
      {"serial", d.serial}, {"size", d.size},     {"state", st::StickStateName(row.state)}};
  if (!d.loop_backing_file.empty()) j["backing_file"] = d.loop_backing_file;
  if (row.result) {
    const st::StickResult& r = *row.result;
    j["ok"] = r.ok();
    j["declared_bytes"] = r.declared_bytes;
    j["probed_bytes"] = r.probed_bytes ? nlohmann::json(*r.probed_bytes) : nullptr;
    j["bytes"] = r.bytes_written;
    j["delta"] = r.delta;
    j["bytes_skipped"] = r.bytes_skipped();
    j["seconds"] = r.seconds;
    j["mb_per_s"] = r.mb_per_s();
    j["error"] = r.error.empty() ? nullptr : nlohmann::json(r.error);
    j["offset"] = r.error_offset ? nlohmann::json(*r.error_offset) : nullptr;
  }
  return j;
}

void StationView::Start(const nlohmann::json& info) {
  if (mode_ == Mode::kJson) {
    nlohmann::json j = info;
    j["event"] = "start";
    j["time"] = Now();
    Line(j);
    return;
  }
  std::string text = absl::StrCat("station: imaging ", info.value("image", std::string()), " (",
                                  info.value("bytes", uint64_t{0}), " bytes, sha256 ",
                                  info.value("sha256", std::string()).substr(0, 16), "…) onto ",
                                  info.value("selection", std::string()), "; records in ",
                                  info.value("db", std::string()));
  Note(text);
}

void StationView::Skipped(const device::BlockInfo& disk, const std::string& reason) {
  if (mode_ == Mode::kJson) {
    Line({{"event", "skipped"},
          {"time", Now()},
          {"device", disk.path},
          {"vendor", disk.vendor},
          {"model", disk.model},
          {"serial", disk.serial},
          {"size", disk.size},
          {"reason", reason}});
    return;
  }
  Note(absl::StrCat("skipped ", disk.path, ": ", reason));
}

void StationView::Note(const std::string& text) {
  if (mode_ == Mode::kJson) {
    Line({{"event", "note"}, {"time", Now()}, {"text", text}});
    return;
  }
  ClearTable();
  std::cerr << text << '\n';
  Redraw();
}

std::string StationView::RowText(const StickRow& row) const {
  const device::BlockInfo& d = row.disk;
  std::string pct = "";
  if (!row.result && row.total > 0)
    pct = absl::StrFormat("%3d%%", int(100.0 * row.done / row.total));
  double rate = row.result ? row.result->mb_per_s() : row.mb_per_s;
  std::string result;
  if (row.result) {
    const st::StickResult& r = *row.result;
    result =
        r.ok()
            ? (r.state == st::StickState::kCurrent ? "already current"
               : r.delta ? absl::StrFormat("ok, %.1f s, delta: wrote %s, skipped %s", r.seconds,
                                           HumanSize(r.bytes_written), HumanSize(r.bytes_skipped()))
                         : absl::StrFormat("ok, %.1f s", r.seconds))
            : r.error;
    if (r.error_offset && !r.ok()) absl::StrAppend(&result, " [offset ", *r.error_offset, "]");
  }
  return absl::StrFormat("%2d %-12s %-22s %-14s %9s %-11s %4s %7.1f  %s", row.id, Fit(d.path, 12),
                         Fit(Who(d), 22), Fit(d.serial, 14), HumanSize(d.size),
                         st::StickStateName(row.state), pct, rate, result);
}

void StationView::ClearTable() {
  if (mode_ != Mode::kTable || drawn_lines_ == 0) return;
  std::cerr << absl::StrFormat("\x1b[%dA\r\x1b[J", drawn_lines_);
  drawn_lines_ = 0;
}

void StationView::Redraw() {
  if (mode_ != Mode::kTable || table_.empty()) return;
  ClearTable();
  std::string out =
      absl::StrFormat("%2s %-12s %-22s %-14s %9s %-11s %4s %7s  %s\n", "#", "device",
                      "vendor/model", "serial", "size", "state", "%", "MB/s", "result");
  const size_t width = TerminalWidth() - 1;
  for (const auto& r : table_) {
    std::string line = RowText(r);
    if (line.size() > width) line.resize(width);  // bytes; a cut UTF-8 "…" is only cosmetic
    absl::StrAppend(&out, line, "\n");
  }
  std::cerr << out << std::flush;
  drawn_lines_ = static_cast<int>(table_.size()) + 1;
}

void StationView::StateChanged(const StickRow& row) {
  if (mode_ == Mode::kJson) {
    Line(RowJson(row));
    return;
  }
  if (mode_ == Mode::kLog) {
    std::cerr << "station: " << RowText(row) << '\n';
    return;
  }
  bool found = false;
  for (auto& r : table_) {
    if (r.id == row.id) {
      r = row;
      found = true;
    }
  }
  if (!found) table_.push_back(row);
  Redraw();
}

void StationView::Progress(const std::vector<const StickRow*>& rows, double now_s) {
  if (mode_ != Mode::kTable || now_s - last_draw_s_ < 0.2) return;
  last_draw_s_ = now_s;
  for (const StickRow* row : rows) {
    for (auto& r : table_) {
      if (r.id == row->id) r = *row;
    }
  }
  Redraw();
}

void StationView::Summary(const std::vector<const StickRow*>& rows, bool interrupted,
                          double seconds) {
  std::map<std::string, int> counts;
  uint64_t bytes = 0;
  bool ok = !interrupted;
  for (const StickRow* r : rows) {
    counts[st::StickStateName(r->state)]++;
    if (r->result) {
      bytes += r->result->bytes_written;
      if (!r->result->ok()) ok = false;
    }
  }
  if (mode_ == Mode::kJson) {
    nlohmann::json j = {{"event", "summary"},        {"time", Now()},  {"ok", ok},
                        {"sticks", rows.size()},     {"bytes", bytes}, {"seconds", seconds},
                        {"interrupted", interrupted}};
    nlohmann::json results = nlohmann::json::object();
    for (const auto& [k, v] : counts) results[k] = v;
    j["results"] = results;
    Line(j);
    return;
  }
  std::string text = absl::StrFormat("station: %d stick%s in %.1f s", rows.size(),
                                     rows.size() == 1 ? "" : "s", seconds);
  for (const auto& [k, v] : counts) absl::StrAppend(&text, ", ", v, " ", k);
  if (interrupted) {
    absl::StrAppend(&text,
                    "\nstation: interrupted; sticks marked interrupted hold a partial image: "
                    "plug them in again with the station running (or run `mediaforge write "
                    "IMAGE DEVICE --verify`) to finish them");
  }
  Redraw();
  drawn_lines_ = 0;  // the table stays on screen
  std::cerr << text << '\n';
}

}  // namespace mediaforge::cli
