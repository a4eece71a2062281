// The files a planned ISO becomes: OUT.iso for one volume, OUT-01.iso, OUT-02.iso, ... for a
// set, each with its layout. The CLI writes them as one engine::VolumeSet with
// engine::RunVolumeSetJob (committed together or not at all); nothing here writes a byte.
#pragma once

#include <string>
#include <vector>

#include "engine/layout.h"
#include "fs/iso9660/iso_writer.h"

namespace mediaforge::iso9660 {

// OUT.iso for one volume; OUT-01.iso, OUT-02.iso, ... for a set.
std::vector<std::string> VolumePaths(const std::string& out_path, size_t volumes);

// The layout of each volume of `plan`, in order (pointers into `plan`).
std::vector<const engine::Layout*> VolumeLayouts(const IsoPlan& plan);

}  // namespace mediaforge::iso9660
