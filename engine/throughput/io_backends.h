// The two IoQueue implementations behind OpenIoQueue (io_queue.h).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "engine/throughput/io_queue.h"

namespace mediaforge::engine::throughput {

// A ring of `depth` entries over `fd` (not owned); fails with the errno of io_uring_queue_init
// when the kernel or a seccomp policy refuses io_uring.
absl::StatusOr<std::unique_ptr<IoQueue>> MakeUringQueue(int fd, const std::string& path, int depth);

// `depth` threads, each running one Target::WriteAt/ReadAt loop at a time; depth 1 runs the
// operation on the caller's thread.
std::unique_ptr<IoQueue> MakeThreadQueue(device::Target& target, int depth);

}  // namespace mediaforge::engine::throughput
