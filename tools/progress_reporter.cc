#include "tools/progress_reporter.h"

#include "absl/time/clock.h"

namespace mediaforge::cli {

ProgressReporter::ProgressReporter(std::FILE* out, int64_t interval_ns)
    : out_(out), interval_ns_(interval_ns) {}

void ProgressReporter::BeginPhase(const std::string& command, const std::string& phase,
                                  const std::string& target) {
  std::lock_guard<std::mutex> lock(mu_);
  command_ = command;
  phase_ = phase;
  target_ = target;
  open_ = true;
  start_ns_ = last_line_ns_ = absl::GetCurrentTimeNanos();
  done_ = total_ = 0;
  WriteLocked(LineLocked(start_ns_));
}

void ProgressReporter::Update(uint64_t done, uint64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return;
  bool completes = total > 0 && done >= total && done_ < total_;
  if (done > done_) done_ = done;
  total_ = total;
  int64_t now = absl::GetCurrentTimeNanos();
  if (!completes && now - last_line_ns_ < interval_ns_) return;
  last_line_ns_ = now;
  WriteLocked(LineLocked(now));
}

void ProgressReporter::EndPhase() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return;
  open_ = false;
  nlohmann::ordered_json line = LineLocked(absl::GetCurrentTimeNanos());
  line["phase_done"] = true;
  WriteLocked(line);
}

void ProgressReporter::Result(const std::string& command, int exit_code) {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::ordered_json line = LineLocked(absl::GetCurrentTimeNanos());
  line["command"] = command;
  line["phase"] = "result";
  line["ok"] = exit_code == 0;
  line["exit_code"] = exit_code;
  WriteLocked(line);
}

nlohmann::ordered_json ProgressReporter::LineLocked(int64_t now_ns) const {
  double secs = (now_ns - start_ns_) / 1e9;
  double rate = secs > 0 ? done_ / secs : 0;  // bytes per second since the phase began
  nlohmann::ordered_json eta = nullptr;
  if (total_ > 0 && done_ >= total_) {
    eta = 0;
  } else if (total_ > 0 && rate > 0) {
    eta = static_cast<int64_t>((total_ - done_) / rate + 0.5);
  }
  return {{"command", command_},   {"phase", phase_},
          {"target", target_},     {"bytes_done", done_},
          {"bytes_total", total_}, {"mb_per_s", static_cast<int64_t>(rate / 1e4) / 100.0},
          {"eta_s", eta}};
}

void ProgressReporter::WriteLocked(const nlohmann::ordered_json& line) {
  std::string text = line.dump();
  text += '\n';
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace mediaforge::cli
