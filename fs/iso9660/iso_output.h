// Streams planned ISO volumes into their files: each goes to a temporary file beside its final
// name and is renamed only when every volume is complete, so a failure (a source file vanished,
// the disk filled up, cancellation) leaves any existing OUT.iso untouched and no temp file behind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/stream_copy.h"
#include "fs/iso9660/iso_writer.h"

namespace mediaforge::iso9660 {

// OUT.iso for one volume; OUT-01.iso, OUT-02.iso, ... for a set.
std::vector<std::string> VolumePaths(const std::string& out_path, size_t volumes);

struct WrittenVolume {
  std::string path;
  uint64_t bytes = 0;
};

// `copy.progress` sees bytes over all volumes.
absl::StatusOr<std::vector<WrittenVolume>> WriteIsoPlan(const IsoPlan& plan,
                                                        const std::string& out_path,
                                                        engine::CopyOptions copy);

}  // namespace mediaforge::iso9660
