#include "fs/common/image_reader.h"

#include "absl/strings/str_cat.h"

namespace mediaforge::common {

absl::Status ImageReader::Read(uint64_t offset, std::span<std::byte> out) {
  if (offset > size_ || out.size() > size_ - offset) {
    return absl::OutOfRangeError(absl::StrCat(path(), ": ", out.size(), " bytes at byte offset ",
                                              offset, " lie beyond the end (", size_, " bytes)"));
  }
  return device::ReadFully(target_, out, offset);
}

absl::StatusOr<std::vector<std::byte>> ImageReader::ReadRange(uint64_t offset, uint64_t length) {
  if (length > max_load_) {
    return absl::OutOfRangeError(
        absl::StrCat(path(), ": refusing to load ", length, " bytes at byte offset ", offset));
  }
  std::vector<std::byte> out(length);
  if (auto s = Read(offset, out); !s.ok()) return s;
  return out;
}

}  // namespace mediaforge::common
