// A scratch directory under $TMPDIR (else /var/tmp) for files pulled out of an ISO's El Torito
// EFI image while making a FAT volume from the ISO (usb, format --from); removed with its
// contents when it goes out of scope.
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace mediaforge::cli {

class StagingDir {
 public:
  StagingDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/var/tmp") + "/mediaforge-usb-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~StagingDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  bool ok() const { return !path_.empty(); }
  absl::Status status() const {
    return absl::InternalError("cannot create a staging directory in $TMPDIR");
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace mediaforge::cli
