#include "tools/version_info.h"

#include <blkid/blkid.h>
#include <expat.h>
#include <libfdisk/libfdisk.h>
#include <lzma.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <wimlib.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include "CLI/Version.hpp"
#include "absl/base/config.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "tools/build_info.h"  // generated: MEDIAFORGE_VERSION, MEDIAFORGE_GIT_COMMIT

namespace mediaforge::cli {

std::string VersionText() {
  const char* blkid_version = "?";
  const char* blkid_date = "";
  blkid_get_library_version(&blkid_version, &blkid_date);
  const char* fdisk_version = "?";
  fdisk_get_library_version(&fdisk_version);
  unsigned xxh = XXH_versionNumber();
  // liburing 2.3 has no run-time version call: the version of the headers built against.
  return absl::StrCat("mediaforge ", MEDIAFORGE_VERSION, " (git ", MEDIAFORGE_GIT_COMMIT, ")\n",
                      "libraries:\n", "  OpenSSL    ", OpenSSL_version(OPENSSL_VERSION), "\n",
                      "  libblkid   ", blkid_version, "\n", "  libfdisk   ", fdisk_version, "\n",
                      "  liburing   ", MEDIAFORGE_URING_VERSION, " (headers)\n", "  zlib       ",
                      zlibVersion(), "\n", "  xz (lzma)  ", lzma_version_string(), "\n",
                      "  zstd       ", ZSTD_versionString(), "\n", "  libwim     ",
                      wimlib_get_version_string(), "\n", "  SQLite     ", sqlite3_libversion(),
                      "\n", "  expat      ", XML_ExpatVersion(), "\n", "  xxHash     ", xxh / 10000,
                      ".", xxh / 100 % 100, ".", xxh % 100, "\n", "  Abseil     ",
                      ABSL_LTS_RELEASE_VERSION, " (headers)\n", "  CLI11      ", CLI11_VERSION,
                      " (headers)\n", "  nlohmann-json ", NLOHMANN_JSON_VERSION_MAJOR, ".",
                      NLOHMANN_JSON_VERSION_MINOR, ".", NLOHMANN_JSON_VERSION_PATCH, " (headers)");
}

}  // namespace mediaforge::cli
