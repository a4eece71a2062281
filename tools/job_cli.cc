#include "tools/job_cli.h"

namespace mediaforge::cli {

JobProgressLines::JobProgressLines(const RunContext& ctx, const CommonFlags& flags,
                                   std::string label)
    : ctx_(ctx), flags_(flags), write_(ctx, flags, std::move(label)) {}

engine::JobProgressFn JobProgressLines::Callback() {
  return [this](const engine::JobProgress& p) {
    if (p.phase == engine::JobProgress::Phase::kWrite) {
      write_.Update(p.done, p.total);
      return;
    }
    write_.Finish();
    if (!verify_ || verifying_ != p.path) {
      if (verify_) verify_->Finish();
      verifying_ = p.path;
      verify_ = std::make_unique<ProgressLine>(ctx_, flags_, "verify " + p.path);
    }
    verify_->Update(p.done, p.total);
  };
}

void JobProgressLines::Finish() {
  write_.Finish();
  if (verify_) verify_->Finish();
}

nlohmann::json TargetJson(const engine::JobTargetReport& t) {
  return {
      {"path", t.path},
      {"bytes", t.bytes},
      {"seconds", t.seconds},
      {"mb_per_s", t.mb_per_s()},
      {"verified", t.verified ? nlohmann::json(*t.verified) : nullptr},
      {"error", t.ok() ? nlohmann::json(nullptr) : nlohmann::json(std::string(t.error.message()))},
      {"offset", t.offset ? nlohmann::json(*t.offset) : nullptr}};
}

}  // namespace mediaforge::cli
