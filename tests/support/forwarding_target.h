// The base of the test twins of Target that change one or two calls (FaultyTarget, the scripted
// target of the fault tests, slow or bit-flipping sticks): every call goes to the inner Target
// unless the twin overrides it. native_fd() stays -1, so nothing bypasses the twin.
#pragma once

#include <memory>
#include <utility>

#include "device/target.h"

namespace mediaforge::device {

class ForwardingTarget : public Target {
 public:
  explicit ForwardingTarget(std::unique_ptr<Target> inner) : inner_(std::move(inner)) {}

  const std::string& path() const override { return inner_->path(); }
  uint64_t size() const override { return inner_->size(); }
  uint32_t logical_sector_size() const override { return inner_->logical_sector_size(); }
  uint32_t physical_sector_size() const override { return inner_->physical_sector_size(); }
  bool is_block_device() const override { return inner_->is_block_device(); }
  bool direct() const override { return inner_->direct(); }
  uint32_t alignment() const override { return inner_->alignment(); }

  absl::StatusOr<size_t> WriteAt(std::span<const std::byte> data, uint64_t offset) override {
    return inner_->WriteAt(data, offset);
  }
  absl::StatusOr<size_t> ReadAt(std::span<std::byte> data, uint64_t offset) override {
    return inner_->ReadAt(data, offset);
  }
  absl::Status Resize(uint64_t size) override { return inner_->Resize(size); }
  absl::Status Flush() override { return inner_->Flush(); }
  absl::Status DropCache() override { return inner_->DropCache(); }

 protected:
  std::unique_ptr<Target> inner_;
};

}  // namespace mediaforge::device
