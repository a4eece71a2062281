// A Target held in memory (for benchmarks of the copy core without a device, and for tests).
// Writes past the end grow it, as a file would.
#pragma once

#include <cstring>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "device/target.h"

namespace mediaforge::device {

class MemoryTarget final : public Target {
 public:
  explicit MemoryTarget(uint64_t size, std::string name = "memory")
      : name_(std::move(name)), data_(size) {}
  const std::string& path() const override { return name_; }
  uint64_t size() const override { return data_.size(); }
  uint32_t logical_sector_size() const override { return 512; }
  uint32_t physical_sector_size() const override { return 4096; }
  bool is_block_device() const override { return false; }
  bool direct() const override { return false; }
  absl::StatusOr<size_t> WriteAt(std::span<const std::byte> data, uint64_t offset) override {
    if (offset + data.size() > data_.size()) {
      std::lock_guard lock(mu_);
      if (offset + data.size() > data_.size()) data_.resize(offset + data.size());
    }
    std::memcpy(data_.data() + offset, data.data(), data.size());
    return data.size();
  }
  absl::StatusOr<size_t> ReadAt(std::span<std::byte> out, uint64_t offset) override {
    if (offset >= data_.size()) return 0;
    size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), data_.size() - offset));
    std::memcpy(out.data(), data_.data() + offset, n);
    return n;
  }
  absl::Status Resize(uint64_t size) override {
    std::lock_guard lock(mu_);
    data_.resize(size);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status DropCache() override { return absl::OkStatus(); }
  const std::vector<std::byte>& bytes() const { return data_; }

 private:
  std::string name_;
  std::mutex mu_;
  std::vector<std::byte> data_;
};

}  // namespace mediaforge::device
