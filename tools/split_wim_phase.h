// `--split-wim [SIZE]` and `--staging DIR` for usb and format: the phase before the copy that
// splits every Windows image (.wim/.esd) too large for FAT32 into .swm parts (fs/wim/), with
// its own progress line, and the hint that adds the flag to a pre-flight message naming one.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "fs/wim/wim_split.h"
#include "tools/cli_common.h"

namespace mediaforge::cli {

struct SplitWimFlags {
  std::string size;  // "" with the flag given: the default part size
  std::string staging;
  CLI::Option* option = nullptr;
  bool requested() const { return option != nullptr && option->count() > 0; }
};

void AddSplitWimFlags(CLI::App& cmd, SplitWimFlags& flags);

// With the flag: finds, plans (pre-flight: no write anywhere when it fails) and splits the WIMs
// of `source` (a directory, or an ISO image when `source_is_iso`). Without it: nullptr.
absl::StatusOr<std::unique_ptr<wim::StagedWimParts>> RunSplitWimPhase(RunContext& ctx,
                                                                      const CommonFlags& common,
                                                                      const SplitWimFlags& flags,
                                                                      const std::string& source,
                                                                      bool source_is_iso);

// A pre-flight failure naming a Windows image too large for FAT gets "use --split-wim".
absl::Status WithSplitWimHint(const absl::Status& status);

// Exit code for a failed split phase: 1 when it refused (a file larger than a part, no staging
// space), 2 for usage and I/O errors.
int ReportSplitWimError(const CommonFlags& common, const absl::Status& status);

// What was split, for --json.
nlohmann::json SplitWimJson(const wim::StagedWimParts* staged);

}  // namespace mediaforge::cli
