#include "device/failing_sector.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "device/errors.h"

namespace mediaforge::device {

absl::Status LocateFailingSector(Target& target, std::span<const std::byte> data, uint64_t offset,
                                 const absl::Status& request_error) {
  const uint64_t sector = std::max<uint32_t>(target.logical_sector_size(), 512);
  const size_t request_bytes = data.size();
  uint64_t at = offset;
  while (!data.empty()) {
    // One sector, cut at absolute sector boundaries (the request may start inside one).
    const size_t piece = std::min<uint64_t>(data.size(), sector - at % sector);
    std::span<const std::byte> one = data.first(piece);
    uint64_t one_at = at;
    while (!one.empty()) {
      auto n = target.WriteAt(one, one_at);
      if (n.ok() && *n == 0) n = request_error;  // no progress: the request's error stands
      if (!n.ok()) {
        return WithErrorOffset(
            absl::Status(n.status().code(),
                         absl::StrCat(n.status().message(), " (logical sector ", one_at / sector,
                                      " of ", sector,
                                      " bytes, found by retrying sector by sector "
                                      "the ",
                                      request_bytes, "-byte request at byte offset ", offset,
                                      " that failed)")),
            one_at);
      }
      one = one.subspan(*n);
      one_at += *n;
    }
    data = data.subspan(piece);
    at += piece;
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::device
