// The one small I/O interface every target and image goes through: a block device or a regular
// file. Writers never touch file descriptors; the engine streams layouts into Targets, the
// readers (FAT, ISO) parse through them, and tests swap in FaultyTarget to inject failures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mediaforge::device {

class Target {
 public:
  virtual ~Target() = default;

  // The path the user named; every error message carries it.
  virtual const std::string& path() const = 0;
  // Current size in bytes (block device: BLKGETSIZE64; file: st_size).
  virtual uint64_t size() const = 0;
  virtual uint32_t logical_sector_size() const = 0;
  virtual uint32_t physical_sector_size() const = 0;
  virtual bool is_block_device() const = 0;
  // True when the descriptor is O_DIRECT: buffers, offsets and lengths must then be multiples of
  // alignment() (the engine does this for every full block; tails go through the non-direct path).
  virtual bool direct() const = 0;
  virtual uint32_t alignment() const { return direct() ? logical_sector_size() : 1; }
  // The descriptor behind aligned I/O (O_DIRECT when direct()), for callers that drive their own
  // asynchronous I/O (io_uring in engine/throughput); -1 when there is none (wrappers such as
  // FaultyTarget), and then only WriteAt/ReadAt may be used.
  virtual int native_fd() const { return -1; }

  // Positioned I/O; both are safe to call from several threads at once. They may transfer less
  // than asked (short write/read); the free functions below loop. Errors name path and offset.
  virtual absl::StatusOr<size_t> WriteAt(std::span<const std::byte> data, uint64_t offset) = 0;
  virtual absl::StatusOr<size_t> ReadAt(std::span<std::byte> data, uint64_t offset) = 0;

  // Regular file: set the size (grow sparse or shrink). Block device: succeeds only when `size`
  // is within the device.
  virtual absl::Status Resize(uint64_t size) = 0;
  // Durably store what was written: fdatasync, and BLKFLSBUF on block devices.
  virtual absl::Status Flush() = 0;
  // Make later reads come from the medium, not the page cache (POSIX_FADV_DONTNEED after
  // fdatasync for files opened without O_DIRECT, BLKFLSBUF for block devices).
  virtual absl::Status DropCache() = 0;
};

struct OpenOptions {
  bool write = false;
  // Regular files only: create when missing. (Block devices are never created.)
  bool create = false;
  // Regular files only: truncate to zero on open.
  bool truncate = false;
  // O_DIRECT where the file system allows; falls back silently to buffered I/O otherwise
  // (check Target::direct()).
  bool direct = true;
  // O_EXCL on block devices: fails while the device is mounted or otherwise claimed.
  bool exclusive = true;
  // What Target::path() and every message call it; empty: `path`. (An unnamed temporary file
  // opened through /proc/self/fd/N is named after the file it will become.)
  std::string name;
};

absl::StatusOr<std::unique_ptr<Target>> OpenTarget(const std::string& path,
                                                   const OpenOptions& options);

// Loops over short transfers. A zero-byte write or read before the end is an error that names
// the path and the offset reached.
absl::Status WriteFully(Target& target, std::span<const std::byte> data, uint64_t offset);
// Reads exactly data.size() bytes; reading past the end of the target is an error.
absl::Status ReadFully(Target& target, std::span<std::byte> data, uint64_t offset);

}  // namespace mediaforge::device
