// Reading the spec's JSON with the key in every error (spec.cc, spec_output.cc): a private
// header of fs/media.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "fs/media/spec.h"
#include "nlohmann/json.hpp"

namespace mediaforge::media {

using Json = nlohmann::ordered_json;

// Collects the context every error carries: the spec file and the key.
class SpecReader {
 public:
  explicit SpecReader(const std::string& spec_path) : spec_path_(spec_path) {}

  absl::Status Error(const std::string& key, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(spec_path_, ": key '", key, "': ", what));
  }

  absl::Status CheckKeys(const Json& object, const std::string& prefix,
                         const std::set<std::string>& allowed, absl::string_view context) const {
    for (const auto& [key, value] : object.items()) {
      if (!allowed.count(key)) {
        return Error(Join(prefix, key),
                     absl::StrCat("unknown key", context.empty() ? "" : " ", context,
                                  " (allowed: ", absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  static std::string Join(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : absl::StrCat(prefix, ".", key);
  }

  absl::StatusOr<std::string> String(const Json& j, const std::string& key) const {
    if (!j.is_string()) return Error(key, absl::StrCat("must be a string, not ", j.type_name()));
    return j.get<std::string>();
  }
  absl::StatusOr<bool> Bool(const Json& j, const std::string& key) const {
    if (!j.is_boolean()) {
      return Error(key, absl::StrCat("must be true or false, not ", j.type_name()));
    }
    return j.get<bool>();
  }
  absl::Status RequireObject(const Json& j, const std::string& key) const {
    if (!j.is_object()) return Error(key, absl::StrCat("must be an object, not ", j.type_name()));
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> Strings(const Json& j, const std::string& key) const {
    if (!j.is_array()) {
      return Error(key, absl::StrCat("must be an array of strings, not ", j.type_name()));
    }
    std::vector<std::string> out;
    for (size_t i = 0; i < j.size(); ++i) {
      auto s = String(j[i], absl::StrCat(key, "[", i, "]"));
      if (!s.ok()) return s.status();
      out.push_back(*s);
    }
    return out;
  }

  absl::StatusOr<SecretSource> Secret(const Json& j, const std::string& key,
                                      const std::string& spec_dir) const {
    if (auto s = RequireObject(j, key); !s.ok()) return s;
    if (auto s = CheckKeys(j, key, {"env", "file"}, "(secrets come from 'env' or 'file' only)");
        !s.ok())
      return s;
    if (j.size() != 1) {
      return Error(key, "give exactly one password source: {\"env\": VAR} or {\"file\": PATH}");
    }
    SecretSource out;
    if (j.contains("env")) {
      auto v = String(j["env"], Join(key, "env"));
      if (!v.ok()) return v.status();
      if (v->empty()) return Error(Join(key, "env"), "the variable name is empty");
      out.env = *v;
    } else {
      auto v = String(j["file"], Join(key, "file"));
      if (!v.ok()) return v.status();
      if (v->empty()) return Error(Join(key, "file"), "the file name is empty");
      out.file = Resolve(spec_dir, *v);
    }
    return out;
  }

  static std::string Resolve(const std::string& dir, const std::string& path) {
    if (path.empty() || path[0] == '/') return path;
    return (std::filesystem::path(dir) / path).lexically_normal().string();
  }

 private:
  std::string spec_path_;
};

// The "output" object (ISO or USB), spec_output.cc.
absl::Status ParseOutput(const SpecReader& r, const Json& j, MediaSpec& spec);

}  // namespace mediaforge::media
