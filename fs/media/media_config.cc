#include "fs/media/media_config.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace mediaforge::media {
namespace {

using Json = nlohmann::ordered_json;

std::string IsoTime(int64_t t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t), absl::UTCTimeZone());
}

}  // namespace

std::string ConfigJson(const MediaSpec& spec, const MediaFacts& facts) {
  Json j;
  j["format"] = kConfigFormat;
  j["type"] = spec.type == MediaType::kCapture ? "capture" : "bootable";
  j["label"] = spec.label;
  j["boot_image"] = {{"id", facts.boot_image_id},
                     {"architecture", ArchitectureName(facts.boot_architecture)}};
  j["target_architecture"] = ArchitectureName(spec.target_architecture);
  j["created"] = IsoTime(facts.created);
  j["tool_version"] = facts.tool_version;
  if (spec.type == MediaType::kCapture) {
    j["capture"] = {{"destination", spec.capture_destination}};
  } else {
    j["unattended"] = spec.unattended;
    j["media_management"] = spec.media_management;
    j["management_points"] = spec.management_points;
    j["site_code"] = spec.site_code;
    j["unknown_computer_support"] = spec.unknown_computer_support;
    j["user_device_affinity"] = spec.user_device_affinity;
    j["prestart_command"] = spec.prestart_command;
    j["certificate"] = Json::object();
    if (!facts.certificate_thumbprint.empty()) {
      j["certificate"] = {
          {"kind",
           spec.certificate.kind == CertificateSpec::Kind::kSelfSigned ? "self_signed" : "pkcs12"},
          {"thumbprint", facts.certificate_thumbprint},
          {"subject", facts.certificate_subject},
          {"file", absl::StrCat(kMediaDir, "/", kCertificateFile)}};
    }
    j["secrets"] = {
        {"sealed", facts.sealed},
        {"file", absl::StrCat(kMediaDir, "/", facts.sealed ? kSealedFile : kUnsealedFile)}};
  }
  j["manifest"] = absl::StrCat(kMediaDir, "/", kManifestFile);
  return j.dump(2) + "\n";
}

std::string SecretPayloadJson(const SecretPayload& payload) {
  Json vars = Json::object();
  for (const auto& [name, value] : payload.variables) vars[name] = value;
  Json j = {{"variables", vars},
            {"secret_variables", payload.secret_variables},
            {"certificate_key", payload.certificate_key_pem}};
  return j.dump(2) + "\n";
}

absl::StatusOr<SecretPayload> ParseSecretPayload(const std::string& json_text) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("secret part: not JSON: ", e.what()));
  }
  SecretPayload p;
  if (!j.is_object() || !j.contains("variables") || !j["variables"].is_object()) {
    return absl::InvalidArgumentError("secret part: 'variables' missing");
  }
  for (const auto& [name, value] : j["variables"].items()) {
    if (!value.is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("secret part: variable ", name, " not text"));
    }
    p.variables.emplace_back(name, value.get<std::string>());
  }
  if (j.contains("secret_variables") && j["secret_variables"].is_array()) {
    for (const auto& s : j["secret_variables"]) {
      if (s.is_string()) p.secret_variables.push_back(s.get<std::string>());
    }
  }
  if (j.contains("certificate_key") && j["certificate_key"].is_string()) {
    p.certificate_key_pem = j["certificate_key"].get<std::string>();
  }
  return p;
}

std::string MediaLabelText(const std::string& label) {
  return absl::StrCat("label=", label, "\r\n");
}

std::string AutorunText(const std::string& label) {
  return absl::StrCat("[autorun]\r\nlabel=", label, "\r\n");
}

std::string CreationLog(const MediaSpec& spec, const MediaFacts& facts,
                        const std::vector<std::string>& findings,
                        const std::vector<std::string>& outputs) {
  std::string log;
  auto line = [&](absl::string_view key, absl::string_view value) {
    absl::StrAppend(&log, IsoTime(facts.created), " ", key, ": ", value, "\n");
  };
  line("tool", facts.tool_version);
  line("spec", spec.spec_path);
  line("type", spec.type == MediaType::kCapture ? "capture" : "bootable");
  line("label", spec.label);
  line("boot image id", facts.boot_image_id);
  line("boot image path", spec.boot_image.path);
  line("boot image architecture", ArchitectureName(facts.boot_architecture));
  line("target architecture", ArchitectureName(spec.target_architecture));
  if (spec.type == MediaType::kCapture) {
    line("capture destination", spec.capture_destination);
  } else {
    line("unattended", spec.unattended ? "true" : "false");
    line("media management", spec.media_management);
    for (size_t i = 0; i < spec.management_points.size(); ++i) {
      line(absl::StrCat("management point ", i + 1), spec.management_points[i]);
    }
    if (!spec.site_code.empty()) line("site code", spec.site_code);
    line("unknown computer support", spec.unknown_computer_support ? "true" : "false");
    line("user device affinity", spec.user_device_affinity);
    line("password", spec.password
                         ? absl::StrCat(kRedacted, " (from ", spec.password->Describe(), ")")
                         : "none (variables are readable by anyone holding the media)");
    if (!facts.certificate_thumbprint.empty()) {
      line("certificate thumbprint", facts.certificate_thumbprint);
      line("certificate private key", absl::StrCat(kRedacted, facts.sealed ? " (sealed)" : ""));
    }
    if (spec.certificate.pkcs12_password) {
      line("certificate password",
           absl::StrCat(kRedacted, " (from ", spec.certificate.pkcs12_password->Describe(), ")"));
    }
    line("prestart command", spec.prestart_command.empty() ? "none" : spec.prestart_command);
    for (const auto& [name, value] : spec.variables) {
      line(absl::StrCat("variable ", name),
           spec.IsSecret(name) ? absl::StrCat(kRedacted, " (secret)") : value);
    }
  }
  for (const std::string& f : findings) line("finding", f);
  for (const std::string& o : outputs) line("output", o);
  return log;
}

}  // namespace mediaforge::media
