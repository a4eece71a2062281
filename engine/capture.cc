#include "engine/capture.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "device/errors.h"

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
                                      const CopyOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t size = source.size();
  Layout layout(size);
  layout.AddStream(0, TargetStream(source), size);
  if (auto s = layout.Finalize(); !s.ok()) return s;

  std::string partial = image_path + ".partial";
  auto out = device::OpenTarget(partial, {.write = true, .create = true, .truncate = true});
  if (!out.ok()) return out.status();
  CopyOptions copy = options;
  copy.sha256 = true;
  copy.sparse_zero_pages = true;
  copy.skip_zero_extents = true;
  device::Target* targets[] = {out->get()};
  auto report = StreamLayout(layout, targets, copy);
  auto discard = [&](absl::Status s) {
    out->reset();
    std::remove(partial.c_str());
    return s;
  };
  if (!report.ok()) return discard(report.status());
  if (report->cancelled) {
    return discard(
        absl::CancelledError(absl::StrCat("capture of ", source.path(), " interrupted after ",
                                          report->bytes, " bytes; ", image_path, " not written")));
  }
  if (!report->targets[0].status.ok()) return discard(report->targets[0].status);
  out->reset();
  if (std::rename(partial.c_str(), image_path.c_str()) != 0) {
    return discard(device::ErrnoError(errno, "rename to", image_path, std::nullopt));
  }
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
