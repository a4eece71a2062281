#include "tests/support/faulty_target.h"

#include <cerrno>

#include "device/errors.h"

namespace mediaforge::device {

FaultyTarget::FaultyTarget(std::unique_ptr<Target> inner, FaultPlan plan)
    : ForwardingTarget(std::move(inner)), plan_(plan) {}

uint64_t FaultyTarget::size() const {
  return plan_.reported_size ? *plan_.reported_size : inner_->size();
}

absl::Status FaultyTarget::CheckVanished(uint64_t offset) const {
  if (plan_.vanish_after_bytes && written_.load() >= *plan_.vanish_after_bytes) {
    return ErrnoError(ENODEV, "I/O", path(), offset);
  }
  return absl::OkStatus();
}

namespace {
bool Touches(uint64_t off, uint64_t len, uint64_t bad, uint64_t bad_len) {
  return off < bad + bad_len && bad < off + len;
}
}  // namespace

absl::StatusOr<size_t> FaultyTarget::WriteAt(std::span<const std::byte> data, uint64_t offset) {
  if (auto s = CheckVanished(offset); !s.ok()) return s;
  if (plan_.eio_offset && plan_.eio_on_write &&
      Touches(offset, data.size(), *plan_.eio_offset, plan_.eio_length)) {
    return ErrnoError(EIO, "write", path(),
                      plan_.eio_names_request_start ? offset : std::max(offset, *plan_.eio_offset));
  }
  if (plan_.enospc_at && offset + data.size() > *plan_.enospc_at) {
    if (offset >= *plan_.enospc_at) return ErrnoError(ENOSPC, "write", path(), offset);
    data = data.first(*plan_.enospc_at - offset);  // the kernel writes what fits, then ENOSPC
  }
  if (plan_.short_write_max && data.size() > *plan_.short_write_max) {
    data = data.first(*plan_.short_write_max);
  }
  if (plan_.vanish_after_bytes) {
    uint64_t left =
        *plan_.vanish_after_bytes - std::min(*plan_.vanish_after_bytes, written_.load());
    if (data.size() > left) data = data.first(left);
    if (data.empty()) return ErrnoError(ENODEV, "write", path(), offset);
  }
  uint64_t physical = offset;
  if (plan_.alias_capacity) {
    // Each write is split at the wrap point so aliasing is exact to the byte.
    physical = offset % *plan_.alias_capacity;
    uint64_t room = *plan_.alias_capacity - physical;
    if (data.size() > room) data = data.first(room);
  }
  auto n = inner_->WriteAt(data, physical);
  if (n.ok()) written_ += *n;
  return n;
}

absl::StatusOr<size_t> FaultyTarget::ReadAt(std::span<std::byte> data, uint64_t offset) {
  if (auto s = CheckVanished(offset); !s.ok()) return s;
  if (plan_.eio_offset && plan_.eio_on_read &&
      Touches(offset, data.size(), *plan_.eio_offset, plan_.eio_length)) {
    return ErrnoError(EIO, "read", path(), std::max(offset, *plan_.eio_offset));
  }
  uint64_t physical = offset;
  if (plan_.alias_capacity) {
    physical = offset % *plan_.alias_capacity;
    uint64_t room = *plan_.alias_capacity - physical;
    if (data.size() > room) data = data.first(room);
  }
  return inner_->ReadAt(data, physical);
}

absl::Status FaultyTarget::Resize(uint64_t size) {
  if (plan_.alias_capacity) return inner_->Resize(std::min(size, *plan_.alias_capacity));
  return inner_->Resize(size);
}

absl::Status FaultyTarget::Flush() {
  if (auto s = CheckVanished(0); !s.ok()) return s;
  return inner_->Flush();
}

absl::Status FaultyTarget::DropCache() { return inner_->DropCache(); }

}  // namespace mediaforge::device
