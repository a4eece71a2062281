// UDF images made at test time: a source tree with deep directories and Unicode names, turned
// into a UDF 1.02 bridge image by genisoimage -udf (what Windows ISOs are), optionally with its
// ISO9660 tree cut down to a README as on Microsoft's ISOs; and tree hashes to compare.
#pragma once

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "device/target.h"
#include "fs/iso9660/iso9660.h"
#include "tests/support/test_support.h"

namespace mediaforge::testing {

inline constexpr char kUdfDeepFile[] = "deep/a/b/c/d/e/f/g/h/i/j/leaf.txt";
// 16-bit CS0 (genisoimage writes UCS-2 names: characters above U+FFFF end its name there).
inline constexpr char kUdfUnicodeName[] = "Ünïcødé-日本語-Ωμέγα.txt";

// A Windows-like tree: sources/install.wim (random bytes, not a real WIM unless the caller
// replaces it), efi/boot/bootx64.efi, bootmgr, plus deep and Unicode names, an empty file and
// ISOREAD/README.TXT (what MakeUdfBridgeIso can leave as the whole ISO9660 tree).
inline void MakeUdfSourceTree(const std::filesystem::path& src) {
  namespace fs = std::filesystem;
  fs::create_directories(src / "sources");
  fs::create_directories(src / "efi" / "boot");
  fs::create_directories(src / "ISOREAD");
  fs::create_directories((src / kUdfDeepFile).parent_path());
  WritePatternFile(src / "sources" / "install.wim", 3'000'000, 11);
  WritePatternFile(src / "efi" / "boot" / "bootx64.efi", 70'000, 12);
  WritePatternFile(src / "bootmgr", 400'000, 13);
  WriteWholeFile(src / kUdfDeepFile, "eleven levels down\n");
  WriteWholeFile(src / kUdfUnicodeName, "named in UTF-16\n");
  WriteWholeFile(src / "empty", "");
  WriteWholeFile(src / "ISOREAD" / "README.TXT", "This disc holds UDF.\n");
}

// genisoimage -udf (UDF 1.02 + ISO9660 with Rock Ridge). With `iso9660_readme_only`, the
// ISO9660 root directory record (ECMA-119 8.4.18) is pointed at ISOREAD, so that tree holds
// README.TXT alone while UDF holds everything, as on a Windows ISO.
inline CommandResult MakeUdfBridgeIso(const std::filesystem::path& src,
                                      const std::filesystem::path& iso,
                                      bool iso9660_readme_only = false) {
  auto r = Run({"genisoimage", "-quiet", "-udf", "-R", "-D", "-V", "MF_UDF_TEST", "-o",
                iso.string(), src.string()},
               900);
  if (r.exit_code != 0 || !iso9660_readme_only) return r;
  auto target =
      device::OpenTarget(iso.string(), {.write = true, .direct = false, .exclusive = false});
  if (!target.ok()) return {1, std::string(target.status().message())};
  auto image = iso9660::OpenIso(**target);
  if (!image.ok()) return {1, std::string(image.status().message())};
  for (const auto& e : image->entries) {
    if (e.path != "ISOREAD") continue;
    unsigned char record[34];
    auto s =
        device::ReadFully(**target, std::as_writable_bytes(std::span(record)), e.record_offset);
    if (!s.ok()) return {1, std::string(s.message())};
    // Extent location and data length, both-endian (bytes 2-17 of the record).
    s = device::WriteFully(**target, std::as_bytes(std::span(record + 2, 16)), 32768 + 156 + 2);
    if (!s.ok()) return {1, std::string(s.message())};
    return {0, ""};
  }
  return {1, "no ISOREAD directory in the ISO9660 tree"};
}

// MakeUdfSourceTree as `dir`/src, made into the bridge image `iso` by MakeUdfBridgeIso.
inline CommandResult MakeSampleBridgeIso(const std::filesystem::path& dir,
                                         const std::filesystem::path& iso,
                                         bool iso9660_readme_only = false) {
  MakeUdfSourceTree(dir / "src");
  return MakeUdfBridgeIso(dir / "src", iso, iso9660_readme_only);
}

// "sha256  ./path" lines of every file under `dir`, sorted by path.
inline std::string TreeHashes(const std::filesystem::path& dir) {
  return RunShell("cd '" + dir.string() +
                  "' && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum")
      .output;
}

}  // namespace mediaforge::testing

namespace mediaforge::testing {

// Turns a genisoimage -udf image into a UDF-only one: the recognition sequence from sector 16
// becomes BEA01, NSR02, TEA01 (ECMA-167 2/9.1) and the ISO9660 volume descriptors are gone,
// so only a UDF reader finds its files.
inline CommandResult StripIso9660(const std::filesystem::path& iso) {
  std::fstream f(iso, std::ios::in | std::ios::out | std::ios::binary);
  auto sector_at = [&](int s) {
    std::string b(2048, '\0');
    f.seekg(int64_t{s} * 2048);
    f.read(b.data(), 2048);
    return b;
  };
  std::string bea, nsr, tea;
  int last = 0;
  for (int s = 16; s < 64 && (bea.empty() || nsr.empty() || tea.empty()); ++s) {
    std::string b = sector_at(s);
    const std::string id = b.substr(1, 5);
    if (id == "BEA01") bea = b;
    if (id == "NSR02" || id == "NSR03") nsr = b;
    if (id == "TEA01") tea = b, last = s;
  }
  if (bea.empty() || nsr.empty() || tea.empty()) return {1, "no BEA01/NSR/TEA01 found"};
  const std::string zeros(2048, '\0');
  for (int s = 16; s <= last; ++s) {
    const std::string& b = s == 16 ? bea : s == 17 ? nsr : s == 18 ? tea : zeros;
    f.seekp(int64_t{s} * 2048);
    f.write(b.data(), 2048);
  }
  f.close();
  return {f ? 0 : 1, f ? "" : "write failed"};
}

}  // namespace mediaforge::testing
