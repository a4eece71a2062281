// What the system knows about a block device: sysfs (size, removable, read-only, vendor/model,
// transport, partitions, holders), /proc/self/mountinfo and /proc/swaps (what is in use), and
// libblkid (signatures, labels, partition tables). Used by `list` and by the wrong-disk guard.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mediaforge::device {

struct Signature {
  std::string device;  // /dev/sdb or /dev/sdb1
  std::string type;    // "vfat", "iso9660", "dos" (partition table), ...
  std::string label;
  std::string uuid;
};

struct BlockInfo {
  std::string path;   // /dev/sdb (the whole disk)
  std::string name;   // sdb
  std::string sysfs;  // /sys/block/sdb
  dev_t devno = 0;
  uint64_t size = 0;       // bytes
  bool removable = false;  // sysfs removable flag, or a USB/MMC transport
  bool read_only = false;
  std::string vendor, model, serial;
  std::string transport;                // usb, nvme, sata, mmc, virtio, loop, ...
  std::vector<std::string> partitions;  // /dev/sdb1, ...
  // In use: "/dev/sdb1 mounted on /media/x", "/dev/sdb2 is swap", "/dev/sdb holds dm-0".
  std::vector<std::string> mounts;
  std::vector<std::string> holders;
  bool backs_root = false;        // the disk, a partition, or something stacked on them is "/"
  std::string loop_backing_file;  // loop devices: the file behind it
};

// What is in use, as the kernel lists it: /proc/self/mountinfo and /proc/swaps.
struct MountEntry {
  dev_t devno;
  std::string mount_point;
  std::string source;
};
struct MountTable {
  std::vector<MountEntry> mounts;
  std::vector<std::string> swaps;  // swap device paths
};
// The running system's table.
MountTable ReadMountTable();
// A table from mountinfo and swaps text (proc(5) formats): tests hand in fixtures (a disk
// mounted, or backing "/") where mounting for real is impossible.
MountTable ParseMountTable(const std::string& mountinfo, const std::string& swaps);

// Every whole disk in /sys/block (loop devices without a backing file and zram are skipped).
absl::StatusOr<std::vector<BlockInfo>> ListBlockDevices();

// The whole disk that `path` (a disk or a partition node) belongs to, with `partition` set to
// the partition's own node when `path` was one.
struct ResolvedDevice {
  BlockInfo disk;
  std::optional<std::string> partition;
};
absl::StatusOr<ResolvedDevice> ResolveBlockDevice(const std::string& path);
// The same against a given mount table (tests: ParseMountTable).
absl::StatusOr<ResolvedDevice> ResolveBlockDevice(const std::string& path, const MountTable& table);

// libblkid probe of the disk and each of its partitions (read-only, never modifies anything).
std::vector<Signature> ProbeSignatures(const BlockInfo& disk);

}  // namespace mediaforge::device
