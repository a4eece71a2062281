#include "tests/faults/fault_script.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "device/errors.h"
#include "tests/support/forwarding_target.h"

namespace mediaforge::faults {

struct SourceAction {
  enum class Kind { kTruncate, kRemove };
  Kind kind;
  std::string path;
  uint64_t after = 0;
};

struct FaultScript {
  std::optional<uint64_t> eio_after, enospc_after, vanish_after;
  std::optional<size_t> short_max;
  bool flush_eio = false;
  int delay_ms = 0;
  std::vector<SourceAction> actions;
  std::string count_path;
};

namespace {

class ScriptedTarget final : public device::ForwardingTarget {
 public:
  ScriptedTarget(std::shared_ptr<const FaultScript> script, std::unique_ptr<Target> inner)
      : ForwardingTarget(std::move(inner)),
        script_(std::move(script)),
        done_(script_->actions.size()) {
    std::lock_guard lock(mu_);
    RunActions();  // the @0 ones: planned, opened, nothing read yet
  }
  ~ScriptedTarget() override {
    if (script_->count_path.empty()) return;
    std::ofstream out(script_->count_path);
    out << written_ << "\n";
    if (bad_sector_) out << *first_failing_offset_ << "\n";
  }

  absl::StatusOr<size_t> WriteAt(std::span<const std::byte> data, uint64_t offset) override {
    if (script_->delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(script_->delay_ms));
    }
    std::unique_lock lock(mu_);
    RunActions();
    // Positions in the stream count bytes as issued (writers run in parallel).
    if (script_->vanish_after && issued_ >= *script_->vanish_after) {
      return device::ErrnoError(ENODEV, "write", path(), offset);
    }
    if (script_->eio_after && !bad_sector_ && issued_ + data.size() > *script_->eio_after) {
      const uint64_t into = *script_->eio_after > issued_ ? *script_->eio_after - issued_ : 0;
      bad_sector_ = (offset + into) / Sector() * Sector();
      // What the error must name: the failing sector, or where the request starts when an
      // unaligned write (an image file, buffered) begins inside that sector.
      first_failing_offset_ = std::max(*bad_sector_, offset);
    }
    if (bad_sector_ && offset < *bad_sector_ + Sector() && *bad_sector_ < offset + data.size()) {
      return device::ErrnoError(EIO, "write", path(), offset);  // as pwrite: the request's start
    }
    if (script_->enospc_after) {
      if (issued_ >= *script_->enospc_after) {
        return device::ErrnoError(ENOSPC, "write", path(), offset);
      }
      data = data.first(std::min<uint64_t>(data.size(), *script_->enospc_after - issued_));
    }
    if (script_->vanish_after) {
      data = data.first(std::min<uint64_t>(data.size(), *script_->vanish_after - issued_));
    }
    if (script_->short_max && data.size() > *script_->short_max) {
      data = data.first(*script_->short_max);
    }
    issued_ += data.size();
    lock.unlock();
    auto n = inner_->WriteAt(data, offset);
    if (n.ok()) {
      std::lock_guard relock(mu_);
      written_ += *n;
    }
    return n;
  }
  absl::StatusOr<size_t> ReadAt(std::span<std::byte> data, uint64_t offset) override {
    if (Vanished()) return device::ErrnoError(ENODEV, "read", path(), offset);
    return inner_->ReadAt(data, offset);
  }
  absl::Status Resize(uint64_t size) override {
    if (Vanished()) return device::ErrnoError(ENODEV, "resize", path(), size);
    return inner_->Resize(size);
  }
  absl::Status Flush() override {
    if (Vanished()) return device::ErrnoError(ENODEV, "flush (fdatasync)", path(), size());
    if (script_->flush_eio) return device::ErrnoError(EIO, "flush (fdatasync)", path(), size());
    return inner_->Flush();
  }

 private:
  uint64_t Sector() const { return std::max<uint32_t>(inner_->logical_sector_size(), 512); }
  bool Vanished() {
    std::lock_guard lock(mu_);
    return script_->vanish_after && issued_ >= *script_->vanish_after;
  }
  // Sabotages the sources once the stream got far enough (called with mu_ held).
  void RunActions() {
    for (size_t i = 0; i < script_->actions.size(); ++i) {
      const SourceAction& a = script_->actions[i];
      if (done_[i] || issued_ < a.after) continue;
      done_[i] = true;
      if (a.kind == SourceAction::Kind::kTruncate) {
        (void)!::truncate(a.path.c_str(), 0);
      } else {
        ::unlink(a.path.c_str());
      }
    }
  }

  std::shared_ptr<const FaultScript> script_;
  std::mutex mu_;
  uint64_t written_ = 0;                          // guarded by mu_
  uint64_t issued_ = 0;                           // guarded by mu_: bytes handed to writes so far
  std::optional<uint64_t> bad_sector_;            // guarded by mu_
  std::optional<uint64_t> first_failing_offset_;  // guarded by mu_
  std::vector<bool> done_;                        // guarded by mu_
};

absl::StatusOr<uint64_t> Number(absl::string_view item, absl::string_view text) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(text, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("fault script: bad number in ", item));
  }
  return v;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const FaultScript>> ParseFaultScript(const std::string& text) {
  auto script = std::make_shared<FaultScript>();
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    const absl::string_view key = kv.first, value = kv.second;
    if (key == "flush-eio") {
      script->flush_eio = true;
    } else if (key == "count") {
      script->count_path = std::string(value);
    } else if (key == "truncate" || key == "remove") {
      const size_t at = value.rfind('@');
      if (at == absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("fault script: ", item, " needs PATH@N"));
      }
      auto after = Number(item, value.substr(at + 1));
      if (!after.ok()) return after.status();
      script->actions.push_back(
          {key == "truncate" ? SourceAction::Kind::kTruncate : SourceAction::Kind::kRemove,
           std::string(value.substr(0, at)), *after});
    } else {
      auto n = Number(item, value);
      if (!n.ok()) return n.status();
      if (key == "eio-after") {
        script->eio_after = *n;
      } else if (key == "enospc-after") {
        script->enospc_after = *n;
      } else if (key == "vanish-after") {
        script->vanish_after = *n;
      } else if (key == "short") {
        script->short_max = std::max<uint64_t>(*n, 1);
      } else if (key == "delay-ms") {
        script->delay_ms = static_cast<int>(*n);
      } else {
        return absl::InvalidArgumentError(absl::StrCat("fault script: unknown item ", item));
      }
    }
  }
  return std::shared_ptr<const FaultScript>(std::move(script));
}

std::unique_ptr<device::Target> ApplyFaultScript(std::shared_ptr<const FaultScript> script,
                                                 std::unique_ptr<device::Target> inner) {
  return std::make_unique<ScriptedTarget>(std::move(script), std::move(inner));
}

}  // namespace mediaforge::faults
