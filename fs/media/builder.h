// `mediaforge create` as a library: from a checked spec to planned media. PrepareMedia runs every
// pre-flight check (password sources, boot image, architecture, certificate, staging space),
// writes the generated files into the staging area and assembles the media's tree with its
// manifest; PlanIsoMedia / PlanUsbMediaFor turn that tree into layouts. Nothing here touches an
// output: the caller streams the layouts (and may stop after planning: --dry-run).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fs/iso9660/iso_writer.h"
#include "fs/media/boot_image.h"
#include "fs/media/media_config.h"
#include "fs/media/media_tree.h"
#include "fs/media/pending_secret_files.h"
#include "fs/media/spec.h"
#include "fs/media/staging.h"
#include "fs/media/streamed_manifest.h"
#include "fs/media/wim_parts.h"
#include "fs/usb/usb_media.h"

namespace mediaforge::media {

struct BuildSettings {
  std::string tool_version;
  int64_t now = 0;              // creation time (seconds since the epoch)
  std::optional<int64_t> date;  // reproducible output (SOURCE_DATE_EPOCH)
};

struct PreparedMedia {
  std::unique_ptr<StagingArea> staging;
  // output.split_wim: the .swm parts standing in for big Windows images (inside the staging
  // area; removed with it).
  std::vector<std::unique_ptr<wim::StagedWimParts>> wim_parts;
  BootImage boot;
  MediaFacts facts;
  std::vector<std::string> findings;  // warnings and notes for the user and the log
  std::unique_ptr<TreeNode> tree;     // the whole media tree, manifest included
  TreeTotals totals;
  // What the manifest lists (every file but the manifest, tree order). It is planned as a
  // placeholder of the exact size; its digests are taken while the media stream.
  std::vector<std::string> manifest_paths;
  // Filled by PlanIsoMedia / PlanUsbMediaFor: where each listed file lies on the output, and
  // where the manifest itself does (its real bytes are written there after the stream).
  std::vector<ManifestFile> manifest_files;
  ManifestFile manifest_place;
  // The certificate, the secret part and the configuration: planned as placeholders of their
  // exact size while their keys are made (pending_secret_files.h); FinishGeneratedFiles.
  std::unique_ptr<PendingSecretFiles> pending;
  bool generated_in_staging = false;  // their real bytes are in the staging area
};

absl::StatusOr<PreparedMedia> PrepareMedia(const MediaSpec& spec, const BuildSettings& settings);

// Waits for the keys and gives the real bytes of the files planned as placeholders (to be
// written over them, each the same size), writes them into the staging area (where a second
// read of the layouts finds them) and completes media.facts (the certificate's thumbprint and
// subject). Call it before the media are complete: after the stream, or before reading the
// layouts again (the duplicator station). Later calls give the same answer.
absl::StatusOr<std::vector<GeneratedFile>> FinishGeneratedFiles(PreparedMedia& media);

// The ISO (set) of the spec's output; consumes media.tree.
absl::StatusOr<iso9660::IsoPlan> PlanIsoMedia(const MediaSpec& spec, PreparedMedia& media,
                                              const BuildSettings& settings);

struct UsbGeometry {
  uint64_t disk_bytes = 0;  // 0: the smallest disk that holds the media (image files)
  uint32_t sector_size = 512;
  bool zero_fill = false;  // a device with old data on it
};
absl::StatusOr<usb::UsbMediaPlan> PlanUsbMediaFor(const MediaSpec& spec, PreparedMedia& media,
                                                  const UsbGeometry& geometry,
                                                  const BuildSettings& settings);

// The FAT label of the media: the first 11 characters, upper case, characters FAT cannot hold
// in a label replaced by '_' (media-spec.md: FAT label = first 11 characters).
std::string FatLabel(const std::string& label);

}  // namespace mediaforge::media
