#include "engine/stage_trace.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mediaforge::engine {
namespace {

std::string TraceFile() {
  const char* f = std::getenv("MEDIAFORGE_STAGE_TRACE");
  return f != nullptr ? f : "";
}

constexpr const char* kStageNames[] = {"source_read", "target_write", "target_read",
                                       "buffer_wait", "writer_idle",  "hash"};
static_assert(std::size(kStageNames) == static_cast<size_t>(Stage::kCount));

}  // namespace

StageTrace::StageTrace(std::string what)
    : what_(std::move(what)),
      file_(TraceFile()),
      t0_(Clock::now()),
      started_(std::chrono::duration<double>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count()) {}

StageTrace::~StageTrace() {
  if (!enabled()) return;
  const double wall = std::chrono::duration<double>(Clock::now() - t0_).count();
  std::string line = absl::StrFormat("%s wall=%.3f started=%.3f", what_, wall, started_);
  for (size_t i = 0; i < counters_.size(); ++i) {
    const Counters& c = counters_[i];
    if (c.ops == 0) continue;
    absl::StrAppend(
        &line,
        absl::StrFormat(" | %s n=%d sum=%.3f busy=%.3f idle=%.3f max=%d avg=%.2f", kStageNames[i],
                        c.ops, c.op_seconds, c.busy_seconds, wall - c.busy_seconds, c.max_in_flight,
                        wall > 0 ? c.op_seconds / wall : 0));
  }
  if (FILE* f = std::fopen(file_.c_str(), "a")) {
    std::fprintf(f, "%s\n", line.c_str());
    std::fclose(f);
  }
}

void StageTrace::Begin(Stage stage, Clock::time_point now) {
  std::lock_guard lock(mu_);
  Counters& c = counters_[static_cast<size_t>(stage)];
  if (c.in_flight++ == 0) c.busy_since = now;
  if (c.in_flight > c.max_in_flight) c.max_in_flight = c.in_flight;
}

void StageTrace::End(Stage stage, Clock::time_point start, Clock::time_point now) {
  std::lock_guard lock(mu_);
  Counters& c = counters_[static_cast<size_t>(stage)];
  ++c.ops;
  c.op_seconds += std::chrono::duration<double>(now - start).count();
  if (--c.in_flight == 0) {
    c.busy_seconds += std::chrono::duration<double>(now - c.busy_since).count();
  }
}

StageTrace::Op::Op(StageTrace& trace, Stage stage) : trace_(trace), stage_(stage) {
  if (!trace_.enabled()) return;
  start_ = Clock::now();
  trace_.Begin(stage_, start_);
}

StageTrace::Op::~Op() {
  if (trace_.enabled()) trace_.End(stage_, start_, Clock::now());
}

}  // namespace mediaforge::engine
