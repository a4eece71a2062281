// Turning errno into an absl::Status that names the operation, the path and the byte offset.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace mediaforge::device {

// Maps errno to a status code (ENOSPC -> ResourceExhausted, ENOENT -> NotFound, EACCES ->
// PermissionDenied, ENODEV/ENXIO -> Unavailable, EIO and others -> DataLoss/Internal) with a
// message "PATH: OP failed at byte offset N: strerror".
// The offset also travels as a payload (ErrorOffset), so callers need not parse the message.
absl::Status ErrnoError(int err, absl::string_view op, absl::string_view path,
                        std::optional<uint64_t> offset);

// The byte offset an I/O error names (ErrnoError, LocateFailingSector), when known.
std::optional<uint64_t> ErrorOffset(const absl::Status& status);
// `status` carrying `offset` as its ErrorOffset.
absl::Status WithErrorOffset(absl::Status status, uint64_t offset);

}  // namespace mediaforge::device
