// The values a media spec names (media-spec.md): architecture names, secret sources, UTC dates
// and byte sizes; spec.cc reads the keys that hold them.
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fs/media/spec.h"
#include "nlohmann/json.hpp"

namespace mediaforge::media {

const char* ArchitectureName(Architecture a) {
  switch (a) {
    case Architecture::kX86:
      return "x86";
    case Architecture::kX64:
      return "x64";
    case Architecture::kArm64:
      return "arm64";
  }
  return "?";
}

std::optional<Architecture> ArchitectureFromName(absl::string_view name) {
  if (name == "x86") return Architecture::kX86;
  if (name == "x64") return Architecture::kX64;
  if (name == "arm64") return Architecture::kArm64;
  return std::nullopt;
}

std::string SecretSource::Describe() const {
  return env.empty() ? absl::StrCat("file ", file) : absl::StrCat("environment variable ", env);
}

absl::StatusOr<std::string> ReadSecret(const SecretSource& source) {
  if (!source.env.empty()) {
    const char* v = std::getenv(source.env.c_str());
    if (v == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("environment variable ", source.env, " (the password source) is not set"));
    }
    if (*v == '\0') {
      return absl::FailedPreconditionError(
          absl::StrCat("environment variable ", source.env, " (the password source) is empty"));
    }
    return std::string(v);
  }
  std::ifstream in(source.file, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(source.file, ": cannot read the password file"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string value = ss.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(source.file, ": the password file is empty"));
  }
  return value;
}

bool BootImageSpec::is_iso() const {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

bool MediaSpec::IsSecret(const std::string& variable) const {
  for (const auto& s : secret_variables) {
    if (s == variable) return true;
  }
  return false;
}

std::optional<int64_t> ParseUtcDate(absl::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::string t(text);
  int consumed = 0;
  // sscanf cannot overflow here: the field widths allow at most 4 digits per number, and the
  // length, `consumed` and range checks below refuse everything else.
  if (t.size() == 10) {
    // NOLINTNEXTLINE(cert-err34-c): bounded field widths, see above
    if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10)
      return std::nullopt;
  } else if (t.size() == 20) {
    // NOLINTNEXTLINE(cert-err34-c): bounded field widths, see above
    if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &s, &consumed) !=
            6 ||
        consumed != 20)
      return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (y < 1950 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
    return std::nullopt;
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  time_t when = timegm(&tm);
  struct tm back;
  gmtime_r(&when, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1) return std::nullopt;  // 2026-02-30
  return static_cast<int64_t>(when);
}

std::optional<uint64_t> ParseByteSize(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string t(text);
  double multiplier = 1;
  switch (absl::ascii_toupper(t.back())) {
    case 'K':
      multiplier = 1024.0;
      break;
    case 'M':
      multiplier = 1024.0 * 1024;
      break;
    case 'G':
      multiplier = 1024.0 * 1024 * 1024;
      break;
    case 'T':
      multiplier = 1024.0 * 1024 * 1024 * 1024;
      break;
    default:
      break;
  }
  if (multiplier != 1) t.pop_back();
  double value = 0;
  if (!absl::SimpleAtod(t, &value) || !(value > 0) || !std::isfinite(value)) return std::nullopt;
  double bytes = value * multiplier;
  if (bytes > 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

}  // namespace mediaforge::media
