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
  if (auto s = r.RequireObject(j, "certificate"); !s.ok()) return s;
  if (auto s = r.CheckKeys(j, "certificate", {"self_signed", "pkcs12", "password"}, ""); !s.ok())
    return s;
  CertificateSpec& c = spec.certificate;
  if (j.contains("self_signed") == j.contains("pkcs12")) {
    return r.Error("certificate", "give either 'self_signed' or 'pkcs12'");
  }
  if (j.contains("self_signed")) {
    if (j.contains("password")) {
      return r.Error("certificate.password", "only a PKCS#12 file takes a password");
    }
    const Json& s = j["self_signed"];
    if (auto st = r.RequireObject(s, "certificate.self_signed"); !st.ok()) return st;
    if (auto st = r.CheckKeys(s, "certificate.self_signed", {"valid_from", "valid_to"}, "");
        !st.ok())
      return st;
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
  auto p = r.String(j["pkcs12"], "certificate.pkcs12");
  if (!p.ok()) return p.status();
  if (p->empty()) return r.Error("certificate.pkcs12", "is empty");
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
  if (auto s = r.RequireObject(j, "boot_image"); !s.ok()) return s;
  if (auto s = r.CheckKeys(j, "boot_image",
                           {"path", "architecture", "bios_boot", "boot_info_table", "efi_dir"}, "");
      !s.ok())
    return s;
  BootImageSpec& b = spec.boot_image;
  if (!j.contains("path")) {
    return r.Error("boot_image.path", "missing (a boot image directory or .iso)");
  }
  auto p = r.String(j["path"], "boot_image.path");
  if (!p.ok()) return p.status();
  if (p->empty()) return r.Error("boot_image.path", "is empty");
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
  for (const char* key : {"bios_boot", "efi_dir"}) {
    if (!j.contains(key)) continue;
    auto t = r.String(j[key], absl::StrCat("boot_image.", key));
    if (!t.ok()) return t.status();
    (std::string(key) == "bios_boot" ? b.bios_boot : b.efi_dir) = *t;
  }
  if (j.contains("boot_info_table")) {
    auto v = r.Bool(j["boot_info_table"], "boot_image.boot_info_table");
    if (!v.ok()) return v.status();
    b.boot_info_table = *v;
  }
  return absl::OkStatus();
}

absl::Status ParseBootableKeys(const SpecReader& r, const Json& j, MediaSpec& spec) {
  if (j.contains("unattended")) {
    auto v = r.Bool(j["unattended"], "unattended");
    if (!v.ok()) return v.status();
    spec.unattended = *v;
  }
  if (j.contains("media_management")) {
    auto v = r.String(j["media_management"], "media_management");
    if (!v.ok()) return v.status();
    if (*v != "dynamic" && *v != "site") {
      return r.Error("media_management", absl::StrCat("'", *v, "': not \"dynamic\" or \"site\""));
    }
    spec.media_management = *v;
  }
  if (j.contains("management_points")) {
    auto v = r.Strings(j["management_points"], "management_points");
    if (!v.ok()) return v.status();
    spec.management_points = *v;
  }
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
  if (j.contains("site_code")) {
    auto v = r.String(j["site_code"], "site_code");
    if (!v.ok()) return v.status();
    bool ok = v->size() == 3;
    for (char c : *v) ok = ok && (absl::ascii_isupper(c) || absl::ascii_isdigit(c));
    if (!ok) return r.Error("site_code", absl::StrCat("'", *v, "': three characters A-Z, 0-9"));
    spec.site_code = *v;
  }
  if (j.contains("unknown_computer_support")) {
    auto v = r.Bool(j["unknown_computer_support"], "unknown_computer_support");
    if (!v.ok()) return v.status();
    spec.unknown_computer_support = *v;
  }
  if (j.contains("user_device_affinity")) {
    auto v = r.String(j["user_device_affinity"], "user_device_affinity");
    if (!v.ok()) return v.status();
    if (*v != "auto" && *v != "pending" && *v != "none") {
      return r.Error("user_device_affinity",
                     absl::StrCat("'", *v, "': not \"auto\", \"pending\" or \"none\""));
    }
    spec.user_device_affinity = *v;
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
  if (j.contains("secret_variables")) {
    auto v = r.Strings(j["secret_variables"], "secret_variables");
    if (!v.ok()) return v.status();
    for (const std::string& name : *v) {
      bool known = false;
      for (const auto& [n, value] : spec.variables) known = known || n == name;
      if (!known) {
        return r.Error("secret_variables", absl::StrCat("'", name, "' is not in 'variables'"));
      }
    }
    spec.secret_variables = *v;
  }
  if (j.contains("prestart")) {
    const Json& p = j["prestart"];
    if (auto s = r.RequireObject(p, "prestart"); !s.ok()) return s;
    if (auto s = r.CheckKeys(p, "prestart", {"command", "files"}, ""); !s.ok()) return s;
    if (!p.contains("command")) return r.Error("prestart.command", "missing");
    auto c = r.String(p["command"], "prestart.command");
    if (!c.ok()) return c.status();
    if (c->empty()) return r.Error("prestart.command", "is empty");
    spec.prestart_command = *c;
    if (p.contains("files")) {
      auto f = r.String(p["files"], "prestart.files");
      if (!f.ok()) return f.status();
      spec.prestart_files = SpecReader::Resolve(spec.spec_dir, *f);
      std::error_code ec;
      if (!std::filesystem::is_directory(spec.prestart_files, ec)) {
        return r.Error("prestart.files", absl::StrCat(spec.prestart_files, ": not a directory"));
      }
    }
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
  if (j.contains("staging_dir")) {
    auto v = r.String(j["staging_dir"], "staging_dir");
    if (!v.ok()) return v.status();
    spec.staging_dir = SpecReader::Resolve(spec.spec_dir, *v);
    std::error_code ec;
    if (!std::filesystem::is_directory(spec.staging_dir, ec)) {
      return r.Error("staging_dir", absl::StrCat(spec.staging_dir, ": not a directory"));
    }
  }
  if (j.contains("label")) {
    auto v = r.String(j["label"], "label");
    if (!v.ok()) return v.status();
    if (v->empty() || v->size() > 32) return r.Error("label", "must be 1 to 32 characters");
    for (unsigned char c : *v) {
      if (c < 0x20 || c == 0x7F) return r.Error("label", "holds a control character");
    }
    spec.label = *v;
  }
  if (j.contains("autorun")) {
    auto v = r.Bool(j["autorun"], "autorun");
    if (!v.ok()) return v.status();
    spec.autorun = *v;
  }
  if (j.contains("target_architecture")) {
    auto v = r.String(j["target_architecture"], "target_architecture");
    if (!v.ok()) return v.status();
    auto a = ArchitectureFromName(*v);
    if (!a)
      return r.Error("target_architecture", absl::StrCat("'", *v, "': not x86, x64 or arm64"));
    spec.target_architecture = *a;
  }
  if (j.contains("content")) {
    auto v = r.Strings(j["content"], "content");
    if (!v.ok()) return v.status();
    for (size_t i = 0; i < v->size(); ++i) {
      std::string dir = SpecReader::Resolve(spec.spec_dir, (*v)[i]);
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) {
        return r.Error(absl::StrCat("content[", i, "]"), absl::StrCat(dir, ": not a directory"));
      }
      spec.content.push_back(dir);
    }
  }
  if (capture) {
    if (!j.contains("capture")) {
      return r.Error("capture", "missing: capture media need {\"destination\": ...}");
    }
    const Json& c = j["capture"];
    if (auto s = r.RequireObject(c, "capture"); !s.ok()) return s;
    if (auto s = r.CheckKeys(c, "capture", {"destination"}, ""); !s.ok()) return s;
    if (!c.contains("destination")) return r.Error("capture.destination", "missing");
    auto d = r.String(c["destination"], "capture.destination");
    if (!d.ok()) return d.status();
    if (d->empty()) return r.Error("capture.destination", "is empty");
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
