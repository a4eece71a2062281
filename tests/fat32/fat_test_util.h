// Helpers shared by the FAT tests: run `mediaforge format`, ask the outside judges (fsck.fat,
// mtools, blkid), build source trees, and open images with our own reader.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "device/target.h"
#include "fs/fat32/fat32.h"
#include "tests/support/test_support.h"

namespace mediaforge::fat32::testutil {

// What every FAT test uses (`using namespace testutil;` brings them in).
namespace fs = std::filesystem;
using ::mediaforge::testing::CommandResult;
using ::mediaforge::testing::TempDir;
using ::mediaforge::testing::WritePatternFile;
using ::mediaforge::testing::WriteWholeFile;

// mediaforge format ARGS... (the CLI under test).
CommandResult Format(const std::vector<std::string>& args);

// fsck.fat -n -v on `image`: exit 0 and nothing it would fix. Returns "" when clean, else the
// reason with fsck's output.
std::string FsckProblems(const std::string& image);

// Our own checker: "" when clean, else every problem, one per line.
std::string CheckerProblems(const std::string& image, uint64_t offset = 0);

// blkid -p -o export: KEY=VALUE pairs.
std::string BlkidValue(const std::string& image, const std::string& key);

// Every path (relative, "/" separated) under `root`, directories with a trailing "/", sorted.
std::vector<std::string> TreePaths(const std::filesystem::path& root);

// Opens an image read-only.
std::unique_ptr<device::Target> OpenImage(const std::string& path);

// Plans `options` (+ source) and streams it into a fresh image file at `image`.
void WriteVolume(const FormatOptions& options, const std::optional<std::string>& source,
                 const std::string& image);

// SHA-256 of a file (or "" when missing): for "the target is unchanged".
std::string FileDigest(const std::string& path);

}  // namespace mediaforge::fat32::testutil
