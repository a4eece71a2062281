// Test data for WIM splitting: trees of generated files captured with wimlib-imagex, and the
// judge that applies a split set with --ref and compares every file byte for byte.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/support/test_support.h"

namespace mediaforge::testing {

// `files` pseudo-random files of `file_bytes` (plus a few small text files) under `dir`.
inline void MakeWimData(const std::filesystem::path& dir, int files, uint64_t file_bytes,
                        uint64_t seed) {
  std::filesystem::create_directories(dir / "Windows" / "System32");
  for (int i = 0; i < files; ++i) {
    WritePatternFile(dir / "Windows" / "System32" / ("file" + std::to_string(i) + ".dll"),
                     file_bytes, seed + i);
  }
  WriteWholeFile(dir / "Windows" / "win.ini", "[fonts]\n[extensions]\n");
  WriteWholeFile(dir / "setup.txt", std::string(100000, 'x'));
}

// Captures `data` into `wim` (`solid`: --solid, LZMS like an ESD).
inline CommandResult CaptureWim(const std::filesystem::path& data, const std::filesystem::path& wim,
                                bool solid, const std::string& compress = "") {
  std::vector<std::string> argv = {"wimlib-imagex", "capture", data.string(),
                                   wim.string(),    "Test",    "--no-acls"};
  if (solid) argv.push_back("--solid");
  if (!compress.empty()) argv.push_back("--compress=" + compress);
  return Run(argv, 3000);
}

// Applies image 1 of the split set whose first part is `swm` into `out` and compares it with
// `data` (diff -r): empty string when identical, else what differs.
inline std::string ApplyAndCompare(const std::filesystem::path& swm,
                                   const std::filesystem::path& data,
                                   const std::filesystem::path& out) {
  const std::string stem = swm.stem().string();
  const std::string glob = (swm.parent_path() / (stem + "*.swm")).string();
  auto apply =
      Run({"wimlib-imagex", "apply", swm.string(), "1", out.string(), "--ref=" + glob}, 3000);
  if (apply.exit_code != 0) return "apply failed: " + apply.output;
  auto diff = Run({"diff", "-r", data.string(), out.string()}, 3000);
  return diff.exit_code == 0 ? "" : "differs: " + diff.output;
}

}  // namespace mediaforge::testing
