// Shared helpers of the ISO tests: running `mediaforge iso`, building source trees.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace mediaforge::testing {

inline CommandResult RunMediaforgeIso(const std::vector<std::string>& args, int timeout = 600) {
  std::vector<std::string> argv = {MediaforgeCli(), "iso"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, timeout);
}

// Extracts `iso` into `into` with osirrox (the outside judge of the Rock Ridge tree).
inline CommandResult OsirroxExtract(const std::filesystem::path& iso,
                                    const std::filesystem::path& into) {
  return Run({"osirrox", "-indev", iso.string(), "-extract", "/", into.string()});
}

// isoinfo (genisoimage's reader) on `iso` with `flags` ("-d": the descriptors, "-l": the
// listing, "-J": by Joliet names).
inline CommandResult Isoinfo(const std::filesystem::path& iso, std::vector<std::string> flags) {
  flags.insert(flags.begin(), "isoinfo");
  flags.push_back("-i");
  flags.push_back(iso.string());
  return Run(flags);
}

// A tree with nested directories, long and non-ASCII names, names that collide after ISO
// mangling, a symlink, an empty file and an empty directory.
void MakeSampleTree(const std::filesystem::path& root);

// True when the trees hold the same names, types, symlink targets and file bytes; `why` names
// the first difference.
bool SameTree(const std::filesystem::path& a, const std::filesystem::path& b, std::string* why);

}  // namespace mediaforge::testing
