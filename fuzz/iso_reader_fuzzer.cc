// libFuzzer target: arbitrary bytes as an ISO image through OpenIso, ExtractFile and CheckIso.
// Nothing may crash, hang or allocate without bound, whatever the image says.
// Build: cmake -DMEDIAFORGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang ...
//        ninja iso_reader_fuzzer && ./fuzz/iso_reader_fuzzer -max_len=262144 CORPUS_DIR
// Seeds: small images from `mediaforge iso` (with --hybrid, --bios-boot, --efi-boot).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "device/target.h"
#include "fs/iso9660/iso9660.h"

namespace {

using mediaforge::device::Target;

// A read-only image held in memory.
class MemoryTarget : public Target {
 public:
  MemoryTarget(const uint8_t* data, size_t size) : bytes_(data, data + size) {}
  const std::string& path() const override { return path_; }
  uint64_t size() const override { return bytes_.size(); }
  uint32_t logical_sector_size() const override { return 512; }
  uint32_t physical_sector_size() const override { return 512; }
  bool is_block_device() const override { return false; }
  bool direct() const override { return false; }
  absl::StatusOr<size_t> WriteAt(std::span<const std::byte>, uint64_t) override {
    return absl::PermissionDeniedError("read-only");
  }
  absl::StatusOr<size_t> ReadAt(std::span<std::byte> out, uint64_t offset) override {
    if (offset >= bytes_.size()) return 0;
    size_t n = std::min<uint64_t>(out.size(), bytes_.size() - offset);
    std::memcpy(out.data(), bytes_.data() + offset, n);
    return n;
  }
  absl::Status Resize(uint64_t) override { return absl::PermissionDeniedError("read-only"); }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status DropCache() override { return absl::OkStatus(); }

 private:
  std::string path_ = "fuzz.iso";
  std::vector<uint8_t> bytes_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemoryTarget target(data, size);
  (void)mediaforge::iso9660::CheckIso(target);
  auto image = mediaforge::iso9660::OpenIso(target, {.max_entries = 10000});
  if (image.ok()) {
    for (const auto& e : image->entries) {
      if (e.type == mediaforge::iso9660::IsoEntry::Type::kFile && e.size < (1 << 20)) {
        (void)mediaforge::iso9660::ExtractFile(target, e, "/dev/null");
        break;
      }
    }
  }
  return 0;
}
