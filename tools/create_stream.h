// The write of `mediaforge create`: the planned media streamed onto their outputs with the
// manifest taken on the way (fs/media/streamed_manifest.h). The first job writes every layout
// (the manifest and the files that wait for keys as placeholders: fs/media/
// pending_secret_files.h) while the engine shows each chunk to the manifest's hashers
// (JobOptions::observe) and the keys are made beside it; the second writes the real bytes of
// those files and of the manifest over their placeholders; only then are the outputs committed,
// so an image file or ISO set appears complete or not at all.
#pragma once

#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/job.h"
#include "fs/media/builder.h"

namespace mediaforge::cli {

// An ISO (set) onto `set`; committed all together. `options.commit` and `observe` are set here.
absl::StatusOr<engine::JobReport> StreamIsoMedia(std::span<const engine::Layout* const> layouts,
                                                 engine::VolumeSet& set, media::PreparedMedia& m,
                                                 engine::JobOptions options);

// A USB layout onto every destination; each target that was written fine is committed.
absl::StatusOr<engine::JobReport> StreamUsbMedia(const engine::Layout& layout,
                                                 std::span<engine::Destination* const> destinations,
                                                 media::PreparedMedia& m,
                                                 engine::JobOptions options);

}  // namespace mediaforge::cli
