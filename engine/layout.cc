#include "engine/layout.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace mediaforge::engine {

void Layout::AddBytes(uint64_t target_offset, std::vector<std::byte> bytes) {
  uint64_t length = bytes.size();
  if (length == 0) return;
  auto shared = std::make_shared<const std::vector<std::byte>>(std::move(bytes));
  extents_.push_back(Extent{target_offset, length, MemoryBytes{std::move(shared), 0}});
}

void Layout::AddBytes(uint64_t target_offset, std::shared_ptr<const std::vector<std::byte>> bytes,
                      uint64_t offset, uint64_t length) {
  if (length == 0) return;
  extents_.push_back(Extent{target_offset, length, MemoryBytes{std::move(bytes), offset}});
}

void Layout::AddFileRange(uint64_t target_offset, std::string path, uint64_t file_offset,
                          uint64_t length) {
  if (length == 0) return;
  extents_.push_back(Extent{target_offset, length, FileRange{std::move(path), file_offset}});
}

void Layout::AddZeros(uint64_t target_offset, uint64_t length) {
  if (length == 0) return;
  extents_.push_back(Extent{target_offset, length, ZeroFill{}});
}

void Layout::AddStream(uint64_t target_offset, std::shared_ptr<InputStream> stream,
                       uint64_t length) {
  extents_.push_back(Extent{target_offset, length, Stream{std::move(stream)}});
}

absl::Status Layout::Finalize() {
  std::stable_sort(extents_.begin(), extents_.end(), [](const Extent& a, const Extent& b) {
    return a.target_offset < b.target_offset;
  });
  uint64_t end = 0;
  for (size_t i = 0; i < extents_.size(); ++i) {
    const Extent& e = extents_[i];
    if (e.target_offset < end) {
      return absl::InternalError(absl::StrCat("layout: extent ", i, " at byte offset ",
                                              e.target_offset,
                                              " overlaps the previous one ending at ", end));
    }
    if (e.length == Extent::kToEndOfStream) {
      if (i + 1 != extents_.size()) {
        return absl::InternalError("layout: only the last extent may run to the end of its stream");
      }
      if (!std::holds_alternative<Stream>(e.source)) {
        return absl::InternalError("layout: an extent of unknown length must be a stream");
      }
      continue;
    }
    if (const auto* m = std::get_if<MemoryBytes>(&e.source)) {
      if (!m->data || m->offset + e.length > m->data->size()) {
        return absl::InternalError(absl::StrCat("layout: in-memory extent at byte offset ",
                                                e.target_offset, " runs past its buffer"));
      }
    }
    end = e.target_offset + e.length;
    if (end > total_size_) {
      return absl::OutOfRangeError(absl::StrCat("layout: extent at byte offset ", e.target_offset,
                                                " of length ", e.length,
                                                " ends past the layout's size ", total_size_));
    }
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::engine
