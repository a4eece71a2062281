#include "tools/output_target.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_replace.h"
#include "device/errors.h"

namespace mediaforge::cli {

absl::StatusOr<std::unique_ptr<OutputTarget>> OutputTarget::Open(const std::string& path) {
  std::unique_ptr<OutputTarget> o(new OutputTarget());
  o->path_ = path;
  struct stat st;
  o->is_file_ = ::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode);
  o->write_path_ = o->is_file_ ? path + ".partial" : path;
  auto t = device::OpenTarget(o->write_path_,
                              {.write = true, .create = o->is_file_, .truncate = o->is_file_});
  if (!t.ok()) {
    return absl::Status(t.status().code(), o->UserMessage(t.status().message()));
  }
  o->target_ = std::move(*t);
  return o;
}

OutputTarget::~OutputTarget() {
  target_.reset();
  if (is_file_ && !committed_) std::remove(write_path_.c_str());
}

absl::Status OutputTarget::Commit() {
  if (!is_file_ || committed_) return absl::OkStatus();
  target_.reset();
  if (std::rename(write_path_.c_str(), path_.c_str()) != 0) {
    return device::ErrnoError(errno, "rename finished image to", path_, std::nullopt);
  }
  committed_ = true;
  return absl::OkStatus();
}

std::string OutputTarget::UserMessage(absl::string_view message) const {
  if (!is_file_) return std::string(message);
  return absl::StrReplaceAll(message, {{write_path_, path_}});
}

}  // namespace mediaforge::cli
