// The spec's "output" object: an ISO (set) or USB targets (media-spec.md).
#include <set>

#include "absl/strings/str_cat.h"
#include "fs/media/spec_reader.h"

namespace mediaforge::media {

absl::Status ParseOutput(const SpecReader& r, const Json& j, MediaSpec& spec) {
  if (auto s = r.RequireObject(j, "output"); !s.ok()) return s;
  if (!j.contains("kind")) return r.Error("output.kind", "missing (\"iso\" or \"usb\")");
  auto kind = r.String(j["kind"], "output.kind");
  if (!kind.ok()) return kind.status();
  OutputSpec& o = spec.output;
  if (*kind == "iso") {
    o.kind = OutputSpec::Kind::kIso;
    if (auto s = r.CheckKeys(j, "output",
                             {"kind", "path", "media_size", "hybrid", "grub2_mbr", "isohybrid_mbr"},
                             "for ISO output");
        !s.ok())
      return s;
    if (!j.contains("path")) return r.Error("output.path", "missing (the ISO file to make)");
    auto path = r.NonEmptyString(j["path"], "output.path");
    if (!path.ok()) return path.status();
    o.path = SpecReader::Resolve(spec.spec_dir, *path);
    if (auto s = r.OptionalSize(j, "output", "media_size", o.media_size); !s.ok()) return s;
    if (o.media_size && *o.media_size < (4ull << 20)) {
      return r.Error("output.media_size", "must be at least 4M");
    }
    if (auto s = r.Optional(j, "output", "hybrid", o.hybrid); !s.ok()) return s;
    for (auto [key, out] :
         {std::pair{"grub2_mbr", &o.grub2_mbr}, std::pair{"isohybrid_mbr", &o.isohybrid_mbr}}) {
      if (auto s = r.OptionalPath(j, "output", key, spec.spec_dir, *out); !s.ok()) return s;
    }
    if (!o.grub2_mbr.empty() && !o.isohybrid_mbr.empty()) {
      return r.Error("output.grub2_mbr", "excludes output.isohybrid_mbr");
    }
    return absl::OkStatus();
  }
  if (*kind != "usb") return r.Error("output.kind", absl::StrCat("'", *kind, "': not iso or usb"));
  o.kind = OutputSpec::Kind::kUsb;
  if (auto s = r.CheckKeys(j, "output",
                           {"kind", "targets", "target", "format", "scheme", "size", "mbr_code",
                            "pbr_code", "split_wim"},
                           "for USB output");
      !s.ok())
    return s;
  if (j.contains("target") && j.contains("targets")) {
    return r.Error("output.target", "give 'target' or 'targets', not both");
  }
  if (j.contains("target")) {
    auto t = r.String(j["target"], "output.target");
    if (!t.ok()) return t.status();
    o.targets.push_back(*t);
  } else if (j.contains("targets")) {
    auto t = r.Strings(j["targets"], "output.targets");
    if (!t.ok()) return t.status();
    o.targets = *t;
  }
  if (o.targets.empty()) return r.Error("output.targets", "missing: name at least one target");
  std::set<std::string> seen;
  for (auto& t : o.targets) {
    if (t.empty()) return r.Error("output.targets", "a target is empty");
    t = SpecReader::Resolve(spec.spec_dir, t);
    if (!seen.insert(t).second)
      return r.Error("output.targets", absl::StrCat(t, " is named twice"));
  }
  if (auto s = r.Optional(j, "output", "format", o.format); !s.ok()) return s;
  if (auto s = r.Optional(j, "output", "scheme", o.scheme); !s.ok()) return s;
  if (o.scheme != "mbr" && o.scheme != "gpt") {
    return r.Error("output.scheme", "must be \"mbr\" or \"gpt\"");
  }
  if (auto s = r.OptionalSize(j, "output", "size", o.image_size); !s.ok()) return s;
  if (auto s = r.OptionalPath(j, "output", "mbr_code", spec.spec_dir, o.mbr_code); !s.ok()) {
    return s;
  }
  if (auto s = r.OptionalPath(j, "output", "pbr_code", spec.spec_dir, o.pbr_code); !s.ok()) {
    return s;
  }
  // Windows images too large for FAT32 split into .swm parts (as `usb --split-wim [SIZE]`).
  if (j.contains("split_wim")) {
    const Json& v = j["split_wim"];
    if (v.is_boolean()) {
      o.split_wim = v.get<bool>();
    } else if (v.is_string()) {
      auto size = ParseByteSize(v.get<std::string>());
      if (!size || *size < (1ull << 20) || *size > 0xFFFFFFFFull) {
        return r.Error(
            "output.split_wim",
            absl::StrCat("'", v.get<std::string>(), "' is not a part size between 1M and 4G - 1"));
      }
      o.split_wim = true;
      o.split_wim_part_bytes = *size;
    } else {
      return r.Error("output.split_wim",
                     absl::StrCat("must be true, false or a part size, not ", v.type_name()));
    }
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::media
