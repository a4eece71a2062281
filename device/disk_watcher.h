// Disks arriving and leaving, for the duplicator station: kernel uevents through libudev wake the
// watcher at once, and a rescan of /sys/block (ListBlockDevices) is the truth either way, so a
// machine without uevents (containers, no netlink) still sees every change within one poll
// interval. A disk "arrives" when it appears with media (size > 0) — a stick plugged in, a card
// inserted into a reader, a loop device given a backing file — and "leaves" when it disappears,
// loses its media, or is the same name with another identity (a loop re-attached elsewhere).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "device/block_info.h"

namespace mediaforge::device {

struct DiskEvent {
  enum class Kind { kArrived, kLeft };
  Kind kind = Kind::kArrived;
  BlockInfo disk;
};

struct WatchOptions {
  // How often /sys/block is rescanned when no uevent arrives.
  std::chrono::milliseconds poll_interval{500};
  // Listen to kernel uevents (libudev netlink monitor); the poll alone works without it.
  bool uevents = true;
};

class DiskWatcher {
 public:
  // Takes the first snapshot: the disks present now are returned by Present(), not as events.
  static absl::StatusOr<std::unique_ptr<DiskWatcher>> Start(const WatchOptions& options);
  ~DiskWatcher();
  DiskWatcher(const DiskWatcher&) = delete;
  DiskWatcher& operator=(const DiskWatcher&) = delete;

  // The disks of the latest snapshot.
  const std::vector<BlockInfo>& Present() const { return present_; }
  // Waits up to `timeout` for changes (woken early by a uevent) and returns them, oldest first;
  // empty when nothing changed.
  absl::StatusOr<std::vector<DiskEvent>> Wait(std::chrono::milliseconds timeout);
  // True when kernel uevents are being received (else polling only).
  bool uevents_active() const { return monitor_fd_ >= 0; }

 private:
  struct Udev;
  DiskWatcher() = default;
  absl::StatusOr<std::vector<DiskEvent>> Rescan();

  WatchOptions options_;
  std::unique_ptr<Udev> udev_;
  int monitor_fd_ = -1;
  std::vector<BlockInfo> present_;
};

// The identity that tells one arrival from the next on the same name: name, device number,
// size, serial and (loop devices) backing file.
std::string DiskIdentity(const BlockInfo& disk);

// The serial number of the disk: sysfs device/serial, or the nearest USB/MMC parent's serial;
// loop devices have none (their identity is the backing file).
std::string FindSerial(const std::string& sysfs_block_dir);

}  // namespace mediaforge::device
