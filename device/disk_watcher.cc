#include "device/disk_watcher.h"

#include <libudev.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mediaforge::device {
namespace fs = std::filesystem;

struct DiskWatcher::Udev {
  udev* ctx = nullptr;
  udev_monitor* monitor = nullptr;
  ~Udev() {
    if (monitor != nullptr) udev_monitor_unref(monitor);
    if (ctx != nullptr) udev_unref(ctx);
  }
};

namespace {

std::string ReadTrimmed(const fs::path& p) {
  std::ifstream in(p);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  return std::string(absl::StripAsciiWhitespace(s));
}

absl::StatusOr<std::vector<BlockInfo>> Snapshot() {
  auto disks = ListBlockDevices();
  if (!disks.ok()) return disks.status();
  for (auto& d : *disks) {
    if (d.serial.empty()) d.serial = FindSerial(d.sysfs);
  }
  return disks;
}

}  // namespace

std::string FindSerial(const std::string& sysfs_block_dir) {
  std::error_code ec;
  fs::path dev = fs::canonical(fs::path(sysfs_block_dir) / "device", ec);
  if (ec) return "";
  // SCSI disks behind USB keep the serial on the USB device a few levels up.
  for (int depth = 0; depth < 8 && dev.string().rfind("/sys/devices/", 0) == 0; ++depth) {
    std::string s = ReadTrimmed(dev / "serial");
    if (!s.empty()) return s;
    dev = dev.parent_path();
  }
  return "";
}

std::string DiskIdentity(const BlockInfo& disk) {
  return absl::StrCat(disk.name, "|", disk.devno, "|", disk.size, "|", disk.serial, "|",
                      disk.loop_backing_file);
}

absl::StatusOr<std::unique_ptr<DiskWatcher>> DiskWatcher::Start(const WatchOptions& options) {
  std::unique_ptr<DiskWatcher> w(new DiskWatcher());
  w->options_ = options;
  if (options.uevents) {
    // Kernel uevents straight from netlink (no udev daemon needed); any failure here only means
    // the watcher polls.
    auto u = std::make_unique<Udev>();
    u->ctx = udev_new();
    if (u->ctx != nullptr) u->monitor = udev_monitor_new_from_netlink(u->ctx, "kernel");
    if (u->monitor != nullptr &&
        udev_monitor_filter_add_match_subsystem_devtype(u->monitor, "block", nullptr) >= 0 &&
        udev_monitor_enable_receiving(u->monitor) >= 0) {
      w->monitor_fd_ = udev_monitor_get_fd(u->monitor);
      w->udev_ = std::move(u);
    }
  }
  auto snap = Snapshot();
  if (!snap.ok()) return snap.status();
  w->present_ = std::move(*snap);
  return w;
}

DiskWatcher::~DiskWatcher() = default;

absl::StatusOr<std::vector<DiskEvent>> DiskWatcher::Wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto now = std::chrono::steady_clock::now();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    auto slice = std::max(std::chrono::milliseconds(0), std::min(left, options_.poll_interval));
    if (monitor_fd_ >= 0) {
      pollfd p{monitor_fd_, POLLIN, 0};
      int n = ::poll(&p, 1, static_cast<int>(slice.count()));
      if (n > 0) {
        // Drain every pending uevent; the rescan below says what actually changed.
        while (udev_device* d = udev_monitor_receive_device(udev_->monitor)) udev_device_unref(d);
      }
    } else if (slice.count() > 0) {
      ::poll(nullptr, 0, static_cast<int>(slice.count()));
    }
    auto events = Rescan();
    if (!events.ok() || !events->empty()) return events;
    if (std::chrono::steady_clock::now() >= deadline) return events;
  }
}

absl::StatusOr<std::vector<DiskEvent>> DiskWatcher::Rescan() {
  auto snap = Snapshot();
  if (!snap.ok()) return snap.status();
  std::map<std::string, const BlockInfo*> before, after;
  for (const auto& d : present_) before[DiskIdentity(d)] = &d;
  for (const auto& d : *snap) after[DiskIdentity(d)] = &d;
  std::vector<DiskEvent> events;
  for (const auto& [id, d] : before) {
    if (!after.count(id)) events.push_back({DiskEvent::Kind::kLeft, *d});
  }
  for (const auto& [id, d] : after) {
    if (!before.count(id)) events.push_back({DiskEvent::Kind::kArrived, *d});
  }
  present_ = std::move(*snap);
  return events;
}

}  // namespace mediaforge::device
