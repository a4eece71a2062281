// The fault-injecting twin of Target, for tests: wraps a real Target and fails on cue with the
// errors real devices give (EIO at an offset, short writes, ENOSPC, a device that vanishes
// mid-stream), or lies about what it stores (aliasing, as fake-capacity flash does).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "tests/support/forwarding_target.h"

namespace mediaforge::device {

struct FaultPlan {
  // Writes touching [eio_offset, eio_offset + eio_length) fail with EIO (reads too when
  // eio_on_read).
  std::optional<uint64_t> eio_offset;
  uint64_t eio_length = 1;
  bool eio_on_write = true;
  bool eio_on_read = false;
  // The EIO names the start of the failed request, as pwrite(2) does (else the bad offset).
  bool eio_names_request_start = false;
  // Every write transfers at most this many bytes (short writes).
  std::optional<size_t> short_write_max;
  // Writes ending past this offset fail with ENOSPC.
  std::optional<uint64_t> enospc_at;
  // After this many bytes have been written in all, every call fails with ENODEV.
  std::optional<uint64_t> vanish_after_bytes;
  // Fake capacity: offsets >= alias_capacity wrap to offset % alias_capacity.
  std::optional<uint64_t> alias_capacity;
  // Size reported instead of the real one (a fake stick claims more than it has).
  std::optional<uint64_t> reported_size;
};

class FaultyTarget final : public ForwardingTarget {
 public:
  FaultyTarget(std::unique_ptr<Target> inner, FaultPlan plan);

  uint64_t size() const override;
  absl::StatusOr<size_t> WriteAt(std::span<const std::byte> data, uint64_t offset) override;
  absl::StatusOr<size_t> ReadAt(std::span<std::byte> data, uint64_t offset) override;
  absl::Status Resize(uint64_t size) override;
  absl::Status Flush() override;
  absl::Status DropCache() override;

  uint64_t bytes_written() const { return written_.load(); }

 private:
  absl::Status CheckVanished(uint64_t offset) const;

  FaultPlan plan_;
  std::atomic<uint64_t> written_{0};
};

}  // namespace mediaforge::device
