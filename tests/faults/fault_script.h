// Faults for the whole CLI, described in one environment variable of the test build
// (faulty_cli_main.cc reads MEDIAFORGE_TEST_FAULT; the shipped mediaforge has no such hook).
// Where device::FaultyTarget places faults at byte offsets, a script places them in the stream
// of writes a command makes, so the same case means the same thing for every command (a FAT
// volume leaves gaps; its "end" is its last write, not its last byte). Comma-separated items:
//   eio-after=N        the write that carries the stream past N bytes fails with EIO at the
//                      logical sector where it crosses N, and so does every later write of it
//   enospc-after=N     the stream holds N bytes: the crossing write is short, later ones ENOSPC
//   vanish-after=N     after N bytes every call fails with ENODEV (the device was pulled)
//   short=N            every write transfers at most N bytes
//   flush-eio          Flush (fdatasync) fails with EIO
//   delay-ms=N         every write first sleeps N ms (a slow stick, for signal tests)
//   truncate=PATH@N    once N bytes were written, PATH (a source) is cut to zero bytes
//   remove=PATH@N      once N bytes were written, PATH (a source) is unlinked
//                      (N = 0: when the destination is opened, after planning and before the
//                      job reads a byte: deterministic, whatever the read-ahead)
//   count=PATH         when the target is closed, PATH gets the bytes written (a baseline) and,
//                      on a second line, the byte offset of the EIO sector when there was one
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "device/target.h"

namespace mediaforge::faults {

struct FaultScript;

// Parses the script; an empty text gives a script that changes nothing.
absl::StatusOr<std::shared_ptr<const FaultScript>> ParseFaultScript(const std::string& text);

// Wraps `inner` so that it follows `script` (one stream position per wrapped target).
std::unique_ptr<device::Target> ApplyFaultScript(std::shared_ptr<const FaultScript> script,
                                                 std::unique_ptr<device::Target> inner);

}  // namespace mediaforge::faults
