// Reading the spec's JSON with the key in every error (spec.cc, spec_output.cc): a private
// header of fs/media.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
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

  // An object with only the `allowed` keys (CheckKeys).
  absl::Status Object(const Json& j, const std::string& key, const std::set<std::string>& allowed,
                      absl::string_view context = "") const {
    if (auto s = RequireObject(j, key); !s.ok()) return s;
    return CheckKeys(j, key, allowed, context);
  }
  absl::StatusOr<std::string> NonEmptyString(const Json& j, const std::string& key) const {
    auto s = String(j, key);
    if (s.ok() && s->empty()) return Error(key, "is empty");
    return s;
  }

  // Reads the member `name` of `j` into `out` when `j` has it (the key in errors: prefix.name)
  // and leaves `out` alone otherwise. `out`: bool, string, list of strings, or an optional one.
  template <typename T>
  absl::Status Optional(const Json& j, const std::string& prefix, const std::string& name,
                        T& out) const {
    if (!j.contains(name)) return absl::OkStatus();
    auto v = Read(j[name], Join(prefix, name), static_cast<T*>(nullptr));
    if (!v.ok()) return v.status();
    out = *std::move(v);
    return absl::OkStatus();
  }
  template <typename T>
  absl::Status Optional(const Json& j, const std::string& prefix, const std::string& name,
                        std::optional<T>& out) const {
    if (!j.contains(name)) return absl::OkStatus();
    T value{};
    if (auto s = Optional(j, prefix, name, value); !s.ok()) return s;
    out = std::move(value);
    return absl::OkStatus();
  }
  // The same for a file name, resolved against `spec_dir`.
  absl::Status OptionalPath(const Json& j, const std::string& prefix, const std::string& name,
                            const std::string& spec_dir, std::string& out) const {
    if (!j.contains(name)) return absl::OkStatus();
    auto v = String(j[name], Join(prefix, name));
    if (!v.ok()) return v.status();
    out = Resolve(spec_dir, *v);
    return absl::OkStatus();
  }
  // The same for a directory that must exist.
  absl::Status OptionalDirectory(const Json& j, const std::string& prefix, const std::string& name,
                                 const std::string& spec_dir, std::string& out) const {
    if (auto s = OptionalPath(j, prefix, name, spec_dir, out); !s.ok() || !j.contains(name)) {
      return s;
    }
    return IsDirectory(Join(prefix, name), out);
  }
  // The same for a size ("4M", ParseByteSize).
  absl::Status OptionalSize(const Json& j, const std::string& prefix, const std::string& name,
                            std::optional<uint64_t>& out) const {
    if (!j.contains(name)) return absl::OkStatus();
    const std::string key = Join(prefix, name);
    auto t = String(j[name], key);
    if (!t.ok()) return t.status();
    auto size = ParseByteSize(*t);
    if (!size) return Error(key, absl::StrCat("'", *t, "' is not a size"));
    out = *size;
    return absl::OkStatus();
  }
  // `path` resolved against `spec_dir`, where it must be a directory.
  absl::StatusOr<std::string> Directory(const std::string& key, const std::string& path,
                                        const std::string& spec_dir) const {
    std::string dir = Resolve(spec_dir, path);
    if (auto s = IsDirectory(key, dir); !s.ok()) return s;
    return dir;
  }
  absl::Status IsDirectory(const std::string& key, const std::string& dir) const {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return Error(key, absl::StrCat(dir, ": not a directory"));
    }
    return absl::OkStatus();
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
  absl::StatusOr<bool> Read(const Json& j, const std::string& key, bool*) const {
    return Bool(j, key);
  }
  absl::StatusOr<std::string> Read(const Json& j, const std::string& key, std::string*) const {
    return String(j, key);
  }
  absl::StatusOr<std::vector<std::string>> Read(const Json& j, const std::string& key,
                                                std::vector<std::string>*) const {
    return Strings(j, key);
  }

  std::string spec_path_;
};

// The "output" object (ISO or USB), spec_output.cc.
absl::Status ParseOutput(const SpecReader& r, const Json& j, MediaSpec& spec);

}  // namespace mediaforge::media
