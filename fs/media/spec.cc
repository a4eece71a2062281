#include "fs/media/spec.h"

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
#include "fs/media/spec_reader.h"
#include "nlohmann/json.hpp"

namespace mediaforge::media {
namespace {

// A management point is an http:// or https:// URL with a host (ConfigMgr MPs).
bool ValidUrl(const std::string& url, bool* https) {
  std::string rest;
  if (absl::StartsWith(url, "https://")) {
    *https = true;
    rest = url.substr(8);
  } else if (absl::StartsWith(url, "http://")) {
    *https = false;
    rest = url.substr(7);
  } else {
    return false;
  }
  std::string host = rest.substr(0, rest.find_first_of("/:"));
  if (host.empty()) return false;
  for (char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  }
  size_t colon = rest.find(':');
  if (colon != std::string::npos && colon < rest.find('/')) {
    std::string port = rest.substr(colon + 1, rest.find('/') - colon - 1);
    uint32_t p = 0;
    if (!absl::SimpleAtoi(port, &p) || p == 0 || p > 65535) return false;
  }
  return true;
}

const std::set<std::string> kBootableKeys = {"type",
                                             "unattended",
                                             "media_management",
                                             "management_points",
                                             "site_code",
                                             "output",
                                             "staging_dir",
                                             "label",
                                             "autorun",
                                             "unknown_computer_support",
                                             "user_device_affinity",
                                             "password",
                                             "certificate",
                                             "boot_image",
                                             "target_architecture",
                                             "variables",
                                             "secret_variables",
                                             "prestart",
                                             "content"};
// media-spec.md: what capture media accept.
const std::set<std::string> kCaptureKeys = {
    "type",    "output", "staging_dir", "label", "autorun", "boot_image", "target_architecture",
    "content", "capture"};

absl::Status ParseCertificate(const SpecReader& r, const Json& j, MediaSpec& spec) {
  if (auto s = r.Object(j, "certificate", {"self_signed", "pkcs12", "password"}); !s.ok()) return s;
  CertificateSpec& c = spec.certificate;
  if (j.contains("self_signed") == j.contains("pkcs12")) {
    return r.Error("certificate", "give either 'self_signed' or 'pkcs12'");
  }
  if (j.contains("self_signed")) {
    if (j.contains("password")) {
      return r.Error("certificate.password", "only a PKCS#12 file takes a password");
    }
    const Json& s = j["self_signed"];
    if (auto st = r.Object(s, "certificate.self_signed", {"valid_from", "valid_to"}); !st.ok()) {
      return st;
    }
    c.kind = CertificateSpec::Kind::kSelfSigned;
    for (const char* key : {"valid_from", "valid_to"}) {
      std::string full = absl::StrCat("certificate.self_signed.", key);
      if (!s.contains(key)) return r.Error(full, "missing (a date, YYYY-MM-DD)");
      auto t = r.String(s[key], full);
      if (!t.ok()) return t.status();
      auto when = ParseUtcDate(*t);
      if (!when) {
        return r.Error(full, absl::StrCat("'", *t,
                                          "' is not a date (YYYY-MM-DD or "
                                          "YYYY-MM-DDTHH:MM:SSZ)"));
      }
      if (std::string(key) == "valid_from") {
        c.valid_from = *when;
        c.valid_from_text = *t;
      } else {
        c.valid_to = *when;
        c.valid_to_text = *t;
      }
    }
    if (c.valid_from >= c.valid_to) {
      return r.Error("certificate.self_signed.valid_to",
                     absl::StrCat("'", c.valid_to_text, "' is not after valid_from '",
                                  c.valid_from_text, "'"));
    }
    return absl::OkStatus();
  }
  c.kind = CertificateSpec::Kind::kPkcs12;
  auto p = r.NonEmptyString(j["pkcs12"], "certificate.pkcs12");
  if (!p.ok()) return p.status();
  c.pkcs12_path = SpecReader::Resolve(spec.spec_dir, *p);
  if (!j.contains("password")) {
    return r.Error("certificate.password",
                   "missing: a PKCS#12 file needs a password source ({\"env\": VAR} or "
                   "{\"file\": PATH})");
  }
  auto secret = r.Secret(j["password"], "certificate.password", spec.spec_dir);
  if (!secret.ok()) return secret.status();
  c.pkcs12_password = *secret;
  return absl::OkStatus();
}

absl::Status ParseBootImage(const SpecReader& r, const Json& j, MediaSpec& spec) {
  if (auto s = r.Object(j, "boot_image",
                        {"path", "architecture", "bios_boot", "boot_info_table", "efi_dir"});
      !s.ok())
    return s;
  BootImageSpec& b = spec.boot_image;
  if (!j.contains("path")) {
    return r.Error("boot_image.path", "missing (a boot image directory or .iso)");
  }
  auto p = r.NonEmptyString(j["path"], "boot_image.path");
  if (!p.ok()) return p.status();
  b.path = SpecReader::Resolve(spec.spec_dir, *p);
  std::error_code ec;
  if (!std::filesystem::exists(b.path, ec)) {
    return r.Error("boot_image.path", absl::StrCat(b.path, ": no such directory or .iso"));
  }
  if (!std::filesystem::is_directory(b.path, ec) && !std::filesystem::is_regular_file(b.path, ec)) {
    return r.Error("boot_image.path", absl::StrCat(b.path, ": not a directory or a file"));
  }
  if (j.contains("architecture")) {
    auto a = r.String(j["architecture"], "boot_image.architecture");
    if (!a.ok()) return a.status();
    b.architecture = ArchitectureFromName(*a);
    if (!b.architecture) {
      return r.Error("boot_image.architecture", absl::StrCat("'", *a, "': not x86, x64 or arm64"));
    }
  }
  if (auto s = r.Optional(j, "boot_image", "bios_boot", b.bios_boot); !s.ok()) return s;
  if (auto s = r.Optional(j, "boot_image", "efi_dir", b.efi_dir); !s.ok()) return s;
  return r.Optional(j, "boot_image", "boot_info_table", b.boot_info_table);
}

absl::Status ParseBootableKeys(const SpecReader& r, const Json& j, MediaSpec& spec) {
  if (auto s = r.Optional(j, "", "unattended", spec.unattended); !s.ok()) return s;
  if (auto s = r.Optional(j, "", "media_management", spec.media_management); !s.ok()) return s;
  if (spec.media_management != "dynamic" && spec.media_management != "site") {
    return r.Error("media_management",
                   absl::StrCat("'", spec.media_management, "': not \"dynamic\" or \"site\""));
  }
  if (auto s = r.Optional(j, "", "management_points", spec.management_points); !s.ok()) return s;
  if (spec.media_management == "site" && spec.management_points.size() != 1) {
    return r.Error("management_points",
                   absl::StrCat("site-based media take exactly one management point, not ",
                                spec.management_points.size()));
  }
  for (size_t i = 0; i < spec.management_points.size(); ++i) {
    bool https = false;
    if (!ValidUrl(spec.management_points[i], &https)) {
      return r.Error(absl::StrCat("management_points[", i, "]"),
                     absl::StrCat("'", spec.management_points[i],
                                  "' is not an http:// or https:// URL with a host"));
    }
  }
  if (auto s = r.Optional(j, "", "site_code", spec.site_code); !s.ok()) return s;
  if (j.contains("site_code")) {
    const std::string& v = spec.site_code;
    bool ok = v.size() == 3;
    for (char c : v) ok = ok && (absl::ascii_isupper(c) || absl::ascii_isdigit(c));
    if (!ok) return r.Error("site_code", absl::StrCat("'", v, "': three characters A-Z, 0-9"));
  }
  if (auto s = r.Optional(j, "", "unknown_computer_support", spec.unknown_computer_support);
      !s.ok())
    return s;
  if (auto s = r.Optional(j, "", "user_device_affinity", spec.user_device_affinity); !s.ok()) {
    return s;
  }
  const std::string& affinity = spec.user_device_affinity;
  if (affinity != "auto" && affinity != "pending" && affinity != "none") {
    return r.Error("user_device_affinity",
                   absl::StrCat("'", affinity, "': not \"auto\", \"pending\" or \"none\""));
  }
  if (j.contains("password")) {
    auto s = r.Secret(j["password"], "password", spec.spec_dir);
    if (!s.ok()) return s.status();
    spec.password = *s;
  }
  if (j.contains("certificate")) {
    if (auto s = ParseCertificate(r, j["certificate"], spec); !s.ok()) return s;
  }
  if (j.contains("variables")) {
    const Json& v = j["variables"];
    if (auto s = r.RequireObject(v, "variables"); !s.ok()) return s;
    for (const auto& [name, value] : v.items()) {
      auto t = r.String(value, absl::StrCat("variables.", name));
      if (!t.ok()) return t.status();
      if (name.empty()) return r.Error("variables", "a variable name is empty");
      spec.variables.emplace_back(name, *t);
    }
  }
  if (auto s = r.Optional(j, "", "secret_variables", spec.secret_variables); !s.ok()) return s;
  for (const std::string& name : spec.secret_variables) {
    bool known = false;
    for (const auto& [n, value] : spec.variables) known = known || n == name;
    if (!known) {
      return r.Error("secret_variables", absl::StrCat("'", name, "' is not in 'variables'"));
    }
  }
  if (j.contains("prestart")) {
    const Json& p = j["prestart"];
    if (auto s = r.Object(p, "prestart", {"command", "files"}); !s.ok()) return s;
    if (!p.contains("command")) return r.Error("prestart.command", "missing");
    auto c = r.NonEmptyString(p["command"], "prestart.command");
    if (!c.ok()) return c.status();
    spec.prestart_command = *c;
    return r.OptionalDirectory(p, "prestart", "files", spec.spec_dir, spec.prestart_files);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<MediaSpec> ParseMediaSpec(const std::string& json_text,
                                         const std::string& spec_path) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec_path, ": not valid JSON at byte ", e.byte, ": ", e.what()));
  } catch (const Json::exception& e) {
    // out_of_range for numbers too large for 64 bits (fuzz/regressions/media_spec_fuzzer/).
    return absl::InvalidArgumentError(absl::StrCat(spec_path, ": not valid JSON: ", e.what()));
  }
  SpecReader r(spec_path);
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(spec_path, ": the spec must be a JSON object"));
  }
  MediaSpec spec;
  spec.spec_path = spec_path;
  spec.spec_dir = std::filesystem::path(spec_path).parent_path().string();
  if (spec.spec_dir.empty()) spec.spec_dir = ".";
  if (j.contains("type")) {
    auto t = r.String(j["type"], "type");
    if (!t.ok()) return t.status();
    if (*t == "capture") {
      spec.type = MediaType::kCapture;
    } else if (*t != "bootable") {
      return r.Error("type", absl::StrCat("'", *t, "': not \"bootable\" or \"capture\""));
    }
  }
  const bool capture = spec.type == MediaType::kCapture;
  for (const auto& [key, value] : j.items()) {
    if (capture && !kCaptureKeys.count(key) && kBootableKeys.count(key)) {
      return r.Error(key, "does not apply to capture media (type \"capture\")");
    }
    if (!kCaptureKeys.count(key) && !kBootableKeys.count(key)) {
      return r.Error(key, "unknown key");
    }
    if (!capture && key == "capture") {
      return r.Error(key, "only capture media (type \"capture\") take a capture destination");
    }
  }
  if (!j.contains("output")) return r.Error("output", "missing (where the media go)");
  if (auto s = ParseOutput(r, j["output"], spec); !s.ok()) return s;
  if (!j.contains("boot_image")) return r.Error("boot_image", "missing: media need a boot image");
  if (auto s = ParseBootImage(r, j["boot_image"], spec); !s.ok()) return s;
  if (auto s = r.OptionalDirectory(j, "", "staging_dir", spec.spec_dir, spec.staging_dir); !s.ok())
    return s;
  if (auto s = r.Optional(j, "", "label", spec.label); !s.ok()) return s;
  if (spec.label.empty() || spec.label.size() > 32) {
    return r.Error("label", "must be 1 to 32 characters");
  }
  for (unsigned char c : spec.label) {
    if (c < 0x20 || c == 0x7F) return r.Error("label", "holds a control character");
  }
  if (auto s = r.Optional(j, "", "autorun", spec.autorun); !s.ok()) return s;
  if (j.contains("target_architecture")) {
    auto v = r.String(j["target_architecture"], "target_architecture");
    if (!v.ok()) return v.status();
    auto a = ArchitectureFromName(*v);
    if (!a)
      return r.Error("target_architecture", absl::StrCat("'", *v, "': not x86, x64 or arm64"));
    spec.target_architecture = *a;
  }
  if (auto s = r.Optional(j, "", "content", spec.content); !s.ok()) return s;
  for (size_t i = 0; i < spec.content.size(); ++i) {
    auto dir = r.Directory(absl::StrCat("content[", i, "]"), spec.content[i], spec.spec_dir);
    if (!dir.ok()) return dir.status();
    spec.content[i] = *dir;
  }
  if (capture) {
    if (!j.contains("capture")) {
      return r.Error("capture", "missing: capture media need {\"destination\": ...}");
    }
    const Json& c = j["capture"];
    if (auto s = r.Object(c, "capture", {"destination"}); !s.ok()) return s;
    if (!c.contains("destination")) return r.Error("capture.destination", "missing");
    auto d = r.NonEmptyString(c["destination"], "capture.destination");
    if (!d.ok()) return d.status();
    spec.capture_destination = *d;
    return spec;
  }
  if (auto s = ParseBootableKeys(r, j, spec); !s.ok()) return s;
  // The wizard's certificate rules: a self-signed certificate only with HTTP management points
  // (HTTPS MPs demand a PKI client certificate), a PKI certificate only with HTTPS ones.
  for (size_t i = 0; i < spec.management_points.size(); ++i) {
    bool https = absl::StartsWith(spec.management_points[i], "https://");
    std::string key = absl::StrCat("management_points[", i, "]");
    if (https && spec.certificate.kind == CertificateSpec::Kind::kSelfSigned) {
      return r.Error(key, absl::StrCat("'", spec.management_points[i],
                                       "' is HTTPS: it needs a PKI certificate "
                                       "(certificate.pkcs12), a self-signed one is refused"));
    }
    if (!https && spec.certificate.kind == CertificateSpec::Kind::kPkcs12) {
      return r.Error(key, absl::StrCat("'", spec.management_points[i],
                                       "' is not HTTPS: a PKI certificate allows only HTTPS "
                                       "management points"));
    }
  }
  return spec;
}

absl::StatusOr<MediaSpec> LoadMediaSpec(const std::string& spec_path) {
  std::ifstream in(spec_path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(spec_path, ": cannot read the spec"));
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (16 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(spec_path, ": larger than 16 MiB"));
  }
  return ParseMediaSpec(ss.str(), spec_path);
}

}  // namespace mediaforge::media
