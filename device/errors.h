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
absl::Status ErrnoError(int err, absl::string_view op, absl::string_view path,
                        std::optional<uint64_t> offset);

}  // namespace mediaforge::device
