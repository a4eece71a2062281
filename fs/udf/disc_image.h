// The files of an optical disc image, whichever file system holds them: ISO9660 (with Joliet
// or Rock Ridge names), UDF, or a UDF bridge image carrying both. Windows install ISOs are UDF
// bridge images whose ISO9660 tree holds only a README, so the tree with more files wins (UDF
// when both hold the same). El Torito boot entries and the volume identifier come from the
// ISO9660 side when there is one.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "device/target.h"
#include "fs/iso9660/iso9660.h"

namespace mediaforge::udf {

struct DiscImage {
  iso9660::IsoImage image;  // `entries` from the file system that was read
  bool files_from_udf = false;
};

// True when the image starts like ISO9660 ("CD001" at byte 32769) or has a UDF recognition
// sequence (NSR02/NSR03).
bool LooksLikeDiscImage(device::Target& target);

// Fails (the message naming the image) when neither file system can be read. A UDF file whose
// extents are not all recorded (sparse) is an error naming it: its bytes are not a range of the
// image.
absl::StatusOr<DiscImage> OpenDiscImage(device::Target& target);

}  // namespace mediaforge::udf
