// mediaforge's FAT12/16/32 library in one include: plan a volume (optionally holding a copy of
// a directory) as an engine::Layout, size a volume to its content, install boot code, and read,
// list, extract and check volumes on any device::Target at any offset.
//
//   Writing (the layout is streamed by engine::RunJob onto engine::Destinations):
//     FormatOptions o{.volume_bytes = size, .device_offset = 1 << 20, .label = "BOOT"};
//     absl::StatusOr<PlannedVolume> v = PlanFatVolume(o, "/path/to/tree");   // all pre-flight
//     InstallPbr(*v, pbr_bytes);                                             // optional
//     engine::RunJob(v->layout, destinations, {.prefetch = true});
//   A tree prepared by the caller (e.g. files inside an ISO, SourceNode::source_offset):
//     PlanFatVolume(o, SourceTree) / SizeForTree(o, SourceTree) — the caller runs the checks.
//   El Torito EFI images:  SizeForTree(o, dir) -> bytes, then PlanFatVolume with that size
//     (placed inside another image with o.target_offset).
//   Reading:   OpenFatVolume(target, offset) -> FatVolume (List, Stat, ReadFile, ExtractAll).
//   Checking:  CheckFatVolume(target, offset) -> problems {where, offset, what}.
#pragma once

#include "fs/fat32/fat_checker.h"      // IWYU pragma: export
#include "fs/fat32/fat_reader.h"       // IWYU pragma: export
#include "fs/fat32/fat_writer.h"       // IWYU pragma: export
#include "fs/fat32/geometry.h"         // IWYU pragma: export
