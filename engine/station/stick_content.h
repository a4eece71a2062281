// What a stick holds before the station writes it, so it gets the cheapest correct write:
// the image already (nothing to write), an earlier copy of it (a delta write: only the differing
// 4 KiB pages, CopyOptions::delta), or something else (a plain write: reading first would only
// cost time). A sample of the image is compared first; only a stick that matches every sampled
// byte is read back in full.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "engine/station/stick_job.h"
#include "engine/stream_copy.h"

namespace mediaforge::engine::station {

enum class StickContent {
  kCurrent,      // holds the image, every byte of the layout's extents
  kEarlierCopy,  // most sampled pages of the image's data are already there
  kOther,        // blank, another image, or too small
};

struct ContentLook {
  StickContent content = StickContent::kOther;
  // Sampled 4 KiB pages that hold data in the image (all-zero image pages are not counted:
  // a blank stick would match them), and how many of them the stick already holds.
  uint64_t data_pages = 0;
  uint64_t matching_pages = 0;
};

// Sampling: the first MiB and 32 blocks of 128 KiB spread over the image (a layout holding a
// stream, i.e. a compressed image, is sampled over its first 8 MiB: it can only be read in
// order). At least half of the sampled data pages matching makes an earlier copy.
absl::StatusOr<ContentLook> LookAtContent(device::Target& target, const LayoutMaker& make_layout,
                                          const StickJobOptions& options,
                                          const ProgressFn& progress);

}  // namespace mediaforge::engine::station
