#include "fs/iso9660/iso_output.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "device/errors.h"
#include "device/target.h"

namespace mediaforge::iso9660 {
namespace {

// Temporary files that are removed unless released.
class TempFiles {
 public:
  ~TempFiles() {
    for (const std::string& p : paths_) ::unlink(p.c_str());
  }
  absl::StatusOr<std::string> CreateBeside(const std::string& final_path) {
    size_t slash = final_path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : final_path.substr(0, slash);
    std::string base = slash == std::string::npos ? final_path : final_path.substr(slash + 1);
    std::string templ = absl::StrCat(dir, "/.", base, ".partial-XXXXXX");
    int fd = ::mkstemp(templ.data());
    if (fd < 0) return device::ErrnoError(errno, "create temporary file beside", final_path, 0);
    ::close(fd);
    paths_.push_back(templ);
    return templ;
  }
  void Release() { paths_.clear(); }

 private:
  std::vector<std::string> paths_;
};

absl::Status StreamOne(const engine::Layout& layout, const std::string& path,
                       const engine::CopyOptions& copy) {
  auto target = device::OpenTarget(path, {.write = true, .create = true, .truncate = true});
  if (!target.ok()) return target.status();
  device::Target* targets[] = {target->get()};
  auto report = engine::StreamLayout(layout, targets, copy);
  if (!report.ok()) return report.status();
  if (report->cancelled) return absl::CancelledError(absl::StrCat(path, ": cancelled"));
  const engine::TargetReport& t = report->targets.front();
  if (!t.status.ok()) return t.status;
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> VolumePaths(const std::string& out_path, size_t volumes) {
  if (volumes <= 1) return {out_path};
  std::string stem = out_path, extension;
  size_t dot = out_path.rfind('.');
  size_t slash = out_path.rfind('/');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash + 1)) {
    stem = out_path.substr(0, dot);
    extension = out_path.substr(dot);
  }
  std::vector<std::string> paths;
  for (size_t i = 1; i <= volumes; ++i) {
    paths.push_back(absl::StrFormat("%s-%02d%s", stem, i, extension));
  }
  return paths;
}

absl::StatusOr<std::vector<WrittenVolume>> WriteIsoPlan(const IsoPlan& plan,
                                                        const std::string& out_path,
                                                        engine::CopyOptions copy) {
  std::vector<std::string> finals = VolumePaths(out_path, plan.volumes.size());
  TempFiles temps;
  std::vector<std::string> temp_paths;
  uint64_t total = 0;
  for (const auto& v : plan.volumes) total += v.layout.total_size();
  uint64_t done_before = 0;
  auto outer_progress = copy.progress;
  // The plan covers every byte (padding as zero extents) so the copy stays one aligned run;
  // skipping zero extents would cut it back into unaligned pieces.
  copy.skip_zero_extents = false;
  copy.resize_files = true;
  for (size_t i = 0; i < plan.volumes.size(); ++i) {
    auto temp = temps.CreateBeside(finals[i]);
    if (!temp.ok()) return temp.status();
    temp_paths.push_back(*temp);
    if (outer_progress) {
      copy.progress = [&, done_before](uint64_t done, uint64_t) {
        outer_progress(done_before + done, total);
      };
    }
    if (auto s = StreamOne(plan.volumes[i].layout, *temp, copy); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("writing ", finals[i], ": ", s.message()));
    }
    done_before += plan.volumes[i].layout.total_size();
  }
  std::vector<WrittenVolume> written;
  for (size_t i = 0; i < finals.size(); ++i) {
    ::chmod(temp_paths[i].c_str(), 0644);
    if (::rename(temp_paths[i].c_str(), finals[i].c_str()) != 0) {
      return device::ErrnoError(errno, "rename into place", finals[i], std::nullopt);
    }
    written.push_back({finals[i], plan.volumes[i].layout.total_size()});
  }
  temps.Release();
  return written;
}

}  // namespace mediaforge::iso9660
