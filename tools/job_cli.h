// The CLI side of engine::RunJob, shared by every writing command: progress lines for the write
// and each read-back, and one JSON object per target in the report.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine/job.h"
#include "tools/cli_common.h"

namespace mediaforge::cli {

// "LABEL" while writing, "verify PATH" while reading PATH back.
class JobProgressLines {
 public:
  JobProgressLines(const RunContext& ctx, const CommonFlags& flags, std::string label);
  engine::JobProgressFn Callback();
  void Finish();

 private:
  const RunContext& ctx_;
  const CommonFlags& flags_;
  ProgressLine write_;
  std::string verifying_;
  std::unique_ptr<ProgressLine> verify_;
};

// {"path", "bytes", "seconds", "mb_per_s", "verified", "error", "offset"}.
nlohmann::json TargetJson(const engine::JobTargetReport& t);

}  // namespace mediaforge::cli
