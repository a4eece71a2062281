#include "device/errors.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mediaforge::device {
namespace {
constexpr char kErrorOffsetPayload[] = "mediaforge/byte-offset";
}  // namespace

std::optional<uint64_t> ErrorOffset(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorOffsetPayload);
  uint64_t offset = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &offset)) return std::nullopt;
  return offset;
}

absl::Status WithErrorOffset(absl::Status status, uint64_t offset) {
  if (!status.ok()) status.SetPayload(kErrorOffsetPayload, absl::Cord(absl::StrCat(offset)));
  return status;
}

namespace {
absl::Status ErrnoStatus(int err, absl::string_view op, absl::string_view path,
                         std::optional<uint64_t> offset) {
  std::string msg = absl::StrCat(path, ": ", op, " failed");
  if (offset) absl::StrAppend(&msg, " at byte offset ", *offset);
  absl::StrAppend(&msg, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(msg);
    case ENOSPC:
    case EFBIG:
    case EDQUOT:
      return absl::ResourceExhaustedError(msg);
    case ENODEV:
    case ENXIO:
    case ENOMEDIUM:
      return absl::UnavailableError(msg);
    case EBUSY:
      return absl::FailedPreconditionError(msg);
    case EINVAL:
    case EISDIR:
      return absl::InvalidArgumentError(msg);
    case EIO:
      return absl::DataLossError(msg);
    default:
      return absl::InternalError(msg);
  }
}

}  // namespace

absl::Status ErrnoError(int err, absl::string_view op, absl::string_view path,
                        std::optional<uint64_t> offset) {
  absl::Status status = ErrnoStatus(err, op, path, offset);
  return offset ? WithErrorOffset(std::move(status), *offset) : status;
}

}  // namespace mediaforge::device
