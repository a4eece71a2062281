// Finds the Windows imaging files (.wim, .esd, any case) of a source that are larger than a
// given size: in a directory tree, or among the files of an ISO image (where their bytes are
// ranges of the ISO). Reads the WIM header of each ([MS-WIM] 2.2) to tell solid WIMs (ESD,
// `wimlib-imagex capture --solid`) and already split ones apart before anything is copied.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/iso9660/iso9660.h"
#include "fs/wim/wim_header.h"

namespace mediaforge::wim {

struct WimInSource {
  std::string name;   // base name, "install.wim"
  std::string shown;  // in messages: "/src/sources/install.wim" or "win.iso:sources/install.wim"
  // What the source tree calls it: the scanned path (SourceNode::path) for a directory, the
  // '/'-separated path inside the image for an ISO.
  std::string source_key;
  std::string file;  // the file holding its bytes: the WIM itself, or the ISO image
  // ISO: where its bytes are, in order; empty: the whole of `file`.
  std::vector<iso9660::IsoExtentRef> extents;
  uint64_t size = 0;
  int64_t mtime = 0;
  WimHeaderV1 header{};
  bool in_iso() const { return !extents.empty(); }
  bool solid() const { return header.version == kWimVersionSolid; }
};

// True for names ending in ".wim" or ".esd", any case.
bool IsWimName(const std::string& name);

// Every .wim/.esd under `dir` larger than `larger_than` bytes (directory symlinks are not
// followed), sorted by path. A file with such a name that is not a WIM is an error naming it.
absl::StatusOr<std::vector<WimInSource>> FindWimsInDirectory(const std::string& dir,
                                                             uint64_t larger_than);

// The same among the files of the ISO image `iso_path`.
absl::StatusOr<std::vector<WimInSource>> FindWimsInIso(const std::string& iso_path,
                                                       uint64_t larger_than);

// Copies a WIM's bytes (its ISO extents, or the whole file) to `dest` (created), reading at
// most `chunk` bytes at a time; `on_bytes` gets the bytes done so far and may return false to
// stop (cancel: dest is removed and Cancelled returned).
absl::Status CopyWimOut(const WimInSource& wim, const std::string& dest,
                        const std::function<bool(uint64_t)>& on_bytes);

}  // namespace mediaforge::wim
