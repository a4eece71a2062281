// The station's write path for one stick: write (in full, or a delta write) + verify through
// the engine's one road (engine/job.h RunJob onto an engine::Destination), like every other
// writing command.
#pragma once

#include <functional>
#include <optional>

#include "absl/status/statusor.h"
#include "engine/destination.h"
#include "engine/station/stick_job.h"
#include "engine/stream_copy.h"

namespace mediaforge::engine::station {

struct WritePhases {
  ProgressFn write_progress;
  ProgressFn verify_progress;
  std::function<void()> verifying;  // the write is done; verification starts
};

struct WriteOutcome {
  absl::Status status;
  StickState state = StickState::kWritten;  // kFailed (I/O error or mismatch) when !status.ok()
  std::optional<uint64_t> error_offset;
  uint64_t bytes_written = 0;
  uint64_t bytes_compared = 0;  // delta writes
  double write_seconds = 0;
};

WriteOutcome WriteAndVerify(Destination& destination, const LayoutMaker& make_layout,
                            const StickJobOptions& options, bool delta, const WritePhases& phases);

}  // namespace mediaforge::engine::station
