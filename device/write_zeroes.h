// Zeroing a range of a block device without sending its bytes (BLKZEROOUT). Worth it only where
// the device offloads the zeroing (REQ_OP_WRITE_ZEROES: sysfs queue/write_zeroes_max_bytes > 0);
// elsewhere the kernel writes zero pages itself, at the same cost as writing them ourselves. A
// device is never assumed to read zeros: a range is zero only after it was written or zeroed.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "device/target.h"

namespace mediaforge::device {

// 0 for regular files, wrappers without a descriptor, and devices without the offload.
uint64_t WriteZeroesMaxBytes(const Target& target);

// BLKZEROOUT on [offset, offset + length) (both multiples of 512); errors name path and offset.
absl::Status ZeroOut(Target& target, uint64_t offset, uint64_t length);

}  // namespace mediaforge::device
