#include "engine/capture.h"

#include <sys/stat.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "engine/destination.h"

namespace mediaforge::engine {
namespace {

class TargetInputStream final : public InputStream {
 public:
  explicit TargetInputStream(device::Target& t) : target_(t) {}
  const std::string& name() const override { return target_.path(); }
  absl::StatusOr<size_t> Read(std::span<std::byte> out) override {
    uint64_t left = target_.size() - std::min(target_.size(), pos_);
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, out.size()));
    if (n == 0) return 0;
    if (auto s = device::ReadFully(target_, out.first(n), pos_); !s.ok()) return s;
    pos_ += n;
    return n;
  }

 private:
  device::Target& target_;
  uint64_t pos_ = 0;
};

}  // namespace

std::shared_ptr<InputStream> TargetStream(device::Target& source) {
  return std::make_shared<TargetInputStream>(source);
}

absl::StatusOr<CaptureReport> Capture(device::Target& source, const std::string& image_path,
                                      JobOptions options,
                                      const DestinationOptions& destination_options) {
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t size = source.size();
  Layout layout(size);
  if (source.native_fd() >= 0) {
    // A real device or file: read it as a file range, so the job's fill workers read it
    // O_DIRECT, several blocks in flight, overlapped with the image writes (issue 16); a stream
    // is read by one worker, one block at a time.
    layout.AddFileRange(0, source.path(), 0, size);
  } else {
    layout.AddStream(0, TargetStream(source), size);
  }
  if (auto s = layout.Finalize(); !s.ok()) return s;

  // An image file only: a block device named as the image is refused (no guard ran for it).
  DestinationOptions image_only = destination_options;
  image_only.device_guard_passed = false;
  auto destination = Destination::Open(image_path, image_only);
  if (!destination.ok()) return destination.status();
  options.sha256 = true;
  options.sparse = true;
  Destination* destinations[] = {destination->get()};
  auto report = RunJob(layout, destinations, options);
  if (!report.ok()) {
    return absl::Status(report.status().code(),
                        absl::StrCat("capture of ", source.path(), ": ", report.status().message(),
                                     "; ", image_path, " not written"));
  }
  const JobTargetReport& written = report->targets[0];
  if (!written.ok()) return written.error;
  CaptureReport r;
  r.image = image_path;
  r.bytes = report->bytes;
  r.sha256 = report->sha256.value_or("");
  struct stat st;
  if (::stat(image_path.c_str(), &st) == 0)
    r.allocated_bytes = static_cast<uint64_t>(st.st_blocks) * 512;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mediaforge::engine
