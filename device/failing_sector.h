// A failed write names its first failing sector, not the start of the request that failed.
// The kernel reports an I/O error for a whole request (4 MiB in the engine); the request is
// then retried one logical sector at a time, in order, as badblocks(8) does, and the first
// sector whose write fails is the one named: its byte offset and its sector number.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "device/target.h"

namespace mediaforge::device {

// `request_error` came from writing `data` at `offset` on `target`. Returns the error of the
// first logical sector that fails when written alone ("PATH: write failed at byte offset X:
// Input/output error (logical sector N of 512 bytes; ...)"), with ErrorOffset() = X; OK when
// every sector could be written on its own (a transient error: the data is now on the target).
absl::Status LocateFailingSector(Target& target, std::span<const std::byte> data, uint64_t offset,
                                 const absl::Status& request_error);

}  // namespace mediaforge::device
