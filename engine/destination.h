// Where a finished plan goes: the one place that opens a target path for writing and makes the
// result final. A path names either
//   - a block device: opened exclusively (O_EXCL: refused while mounted) with O_DIRECT, written
//     in place; only after the wrong-disk guard (device/guard.h) has passed; or
//   - an image file, written through one temporary-file policy: an unnamed file in the target's
//     directory (O_TMPFILE) where the file system has it, else a hidden sibling
//     ".NAME.mediaforge-XXXXXX"; Commit() fdatasyncs it, gives it a name (linkat), moves it over
//     NAME (renameat2 RENAME_EXCHANGE when NAME exists, so the old file can be put back) and
//     fsyncs the directory. Abort() (also the destructor) leaves an existing NAME untouched and
//     nothing behind.
// A VolumeSet (an ISO split over several files) is committed all together or not at all.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "device/target.h"

namespace mediaforge::engine {

// How an image file is being written.
enum class TempFileKind {
  kNone,           // a block device: written in place
  kUnnamed,        // O_TMPFILE: nothing to clean up whatever stops the process
  kHiddenSibling,  // ".NAME.mediaforge-XXXXXX" beside NAME, removed on abort
};

struct DestinationOptions {
  // Block devices: the caller has run the wrong-disk guard on this path and it passed (with
  // the user's confirmation where one was needed). Without it a block device is refused.
  bool device_guard_passed = false;
  // Image files: try O_TMPFILE first (false: go straight to the hidden sibling).
  bool unnamed_temp_file = true;
  // O_DIRECT where the file system allows (falls back to buffered I/O).
  bool direct = true;
  // Wraps the opened Target (fault injection in tests: device::FaultyTarget); nullptr: none.
  std::function<std::unique_ptr<device::Target>(std::unique_ptr<device::Target>)> wrap;
};

class Destination {
 public:
  static absl::StatusOr<std::unique_ptr<Destination>> Open(const std::string& path,
                                                           const DestinationOptions& options = {});
  ~Destination();  // aborts unless committed
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;

  // The path the user named (also what the Target and its messages are called).
  const std::string& path() const { return path_; }
  bool is_device() const { return kind_ == TempFileKind::kNone; }
  // A new, empty image file: gaps and zero extents read as zeros without being written.
  bool fresh() const { return !is_device(); }
  TempFileKind temp_file_kind() const { return kind_; }
  // Valid until Commit() or Abort().
  device::Target& target() { return *target_; }

  // Durably stores what was written and makes it the content of path(). Image files: on any
  // failure path() keeps its old content (or stays absent) and the temporary file is gone.
  absl::Status Commit();
  // Drops what was written to an image file (a device keeps what reached it). Idempotent.
  void Abort();
  bool committed() const { return state_ == State::kCommitted; }
  // The directory was fsynced after the rename (image files; false for devices).
  bool directory_synced() const { return directory_synced_; }

 private:
  friend class VolumeSet;
  enum class State { kOpen, kSealed, kSwapped, kCommitted, kAborted };
  Destination() = default;

  // The steps of Commit(), so that a VolumeSet can run each over all its members first.
  absl::Status Seal();  // fdatasync, close, give the temporary file a name
  absl::Status Swap();  // move it over path(), keeping an old file at the temporary name
  void Unswap();        // put the old file back (undoes Swap)
  void Finish();        // drop the old file, fsync the directory

  std::string path_, dir_, temp_name_, proc_path_;
  TempFileKind kind_ = TempFileKind::kNone;
  int unnamed_fd_ = -1;
  bool replaced_old_ = false;  // Swap exchanged with an existing file (now at temp_name_)
  bool directory_synced_ = false;
  State state_ = State::kOpen;
  std::unique_ptr<device::Target> target_;
};

// Several destinations made final together: Commit() seals every member, then moves each into
// place; when one move fails, those already moved are put back, so either every path has its
// new content or every path keeps its old one. Destroying an uncommitted set aborts it.
class VolumeSet {
 public:
  static absl::StatusOr<VolumeSet> Open(const std::vector<std::string>& paths,
                                        const DestinationOptions& options = {});
  VolumeSet() = default;
  explicit VolumeSet(std::vector<std::unique_ptr<Destination>> members)
      : members_(std::move(members)) {}
  VolumeSet(VolumeSet&&) = default;
  VolumeSet& operator=(VolumeSet&&) = default;
  ~VolumeSet() { Abort(); }

  size_t size() const { return members_.size(); }
  Destination& operator[](size_t i) { return *members_[i]; }
  std::vector<Destination*> members() const;

  absl::Status Commit();
  void Abort();

 private:
  std::vector<std::unique_ptr<Destination>> members_;
};

}  // namespace mediaforge::engine
