#include "fs/usb/iso_source.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "device/target.h"
#include "fs/fat32/fat32.h"
#include "fs/fat32/long_names.h"
#include "fs/iso9660/iso9660.h"
#include "fs/udf/disc_image.h"

namespace mediaforge::usb {
namespace fs = std::filesystem;
namespace {

// Adds `node` at '/'-separated `rel_path` under `root`, creating directories on the way and
// checking names as FAT sees them. An existing file at that path wins (the ISO's own copy).
class TreeBuilder {
 public:
  explicit TreeBuilder(fat32::SourceTree& tree) : tree_(tree) { tree_.root.is_dir = true; }

  void Add(const std::string& rel_path, fat32::SourceNode node, const std::string& shown) {
    std::vector<std::string> parts = absl::StrSplit(rel_path, '/', absl::SkipEmpty());
    if (parts.empty()) return;
    fat32::SourceNode* dir = &tree_.root;
    std::string so_far;
    for (size_t i = 0; i < parts.size(); ++i) {
      so_far += (so_far.empty() ? "" : "/") + parts[i];
      if (auto why = fat32::LongNameProblem(parts[i])) {
        problems_.push_back({shown + ":" + so_far, std::nullopt, *why});
        return;
      }
      const bool last = i + 1 == parts.size();
      auto [found, collision] = Find(*dir, parts[i]);
      // Directories that differ only in case are one FAT directory: the EFI image's "EFI"
      // merges into a Windows ISO's "efi" (which holds efi/microsoft/boot/efisys.bin).
      if (collision && found->is_dir && (!last || node.is_dir)) collision = false;
      if (collision) {
        problems_.push_back(
            {shown + ":" + so_far, std::nullopt, fat32::CaseCollision(found->name)});
        return;
      }
      if (last) {
        if (found != nullptr) return;  // already there (ISO file beats EFI image copy)
        node.name = parts[i];
        if (node.is_dir)
          ++tree_.directories;
        else {
          ++tree_.files;
          tree_.file_bytes += node.size;
        }
        dir->children.push_back(std::move(node));
        return;
      }
      if (found == nullptr) {
        fat32::SourceNode d;
        d.name = parts[i];
        d.is_dir = true;
        d.mtime_sec = node.mtime_sec;
        ++tree_.directories;
        dir->children.push_back(std::move(d));
        found = &dir->children.back();
      } else if (!found->is_dir) {
        problems_.push_back({shown + ":" + so_far, std::nullopt,
                             "is a file in one tree and a directory in another"});
        return;
      }
      dir = found;
    }
  }

  std::vector<fat32::PreflightProblem>& problems() { return problems_; }

  // Sorts children by name, as ScanSourceTree does (byte order), for reproducible layouts.
  static void Sort(fat32::SourceNode& n) {
    std::sort(n.children.begin(), n.children.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    for (auto& c : n.children) Sort(c);
  }

 private:
  // The child named `name` ignoring case as FAT does; `collision` when only the case differs.
  struct Found {
    fat32::SourceNode* node = nullptr;
    bool collision = false;
  };
  static Found Find(fat32::SourceNode& dir, const std::string& name) {
    auto want = fat32::Utf8ToUtf16(name);
    if (!want) return {};
    std::u16string folded = fat32::Upcase(*want);
    for (auto& c : dir.children) {
      auto have = fat32::Utf8ToUtf16(c.name);
      if (have && fat32::Upcase(*have) == folded) return {&c, c.name != name};
    }
    return {};
  }

  fat32::SourceTree& tree_;
  std::vector<fat32::PreflightProblem> problems_;
};

bool HasUefiLoader(const iso9660::IsoImage& image) {
  for (const auto& e : image.entries) {
    std::string p = absl::AsciiStrToUpper(e.path);
    if (p.rfind("EFI/BOOT/BOOT", 0) == 0 && p.size() > 17 && p.substr(p.size() - 4) == ".EFI") {
      return true;
    }
  }
  return false;
}

// Adds the files of the El Torito UEFI image (a FAT volume inside the ISO).
absl::Status AddEfiImageFiles(device::Target& iso, const iso9660::IsoImage& image,
                              const std::string& iso_path, const std::string& staging_dir,
                              TreeBuilder& builder, IsoTree& out) {
  for (const auto& b : image.boot_entries) {
    if (b.platform_id != 0xEF) continue;
    uint64_t offset = uint64_t{b.load_lba} * 2048;
    auto vol = fat32::OpenFatVolume(iso, offset);
    if (!vol.ok()) {
      return absl::DataLossError(
          absl::StrCat(iso_path, ": the El Torito UEFI image at byte ", offset,
                       " is not a readable FAT volume: ", vol.status().message()));
    }
    auto files = (*vol)->List();
    if (!files.ok()) return files.status();
    for (const auto& f : *files) {
      std::string rel = f.path.substr(f.path.find_first_not_of('/'));
      fat32::SourceNode n;
      n.is_dir = f.is_dir;
      n.mtime_sec = f.mtime;
      if (!f.is_dir) {
        fs::path dest = fs::path(staging_dir) / "efi-image" / rel;
        fs::create_directories(dest.parent_path());
        if (auto s = (*vol)->Extract(f, dest.string()); !s.ok()) return s;
        n.path = dest.string();
        n.size = f.size;
        out.from_efi_image.push_back(rel);
      }
      builder.Add(rel, std::move(n), absl::StrCat(iso_path, " (EFI image)"));
    }
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

// Adds the files standing in for ISO file `iso_file_path`, if it is substituted.
bool AddSubstitutes(const std::string& iso_file_path,
                    const std::vector<fat32::SourceSubstitution>& substitutions,
                    TreeBuilder& builder, const std::string& iso_path) {
  for (const auto& sub : substitutions) {
    if (sub.source_path != iso_file_path) continue;
    const size_t slash = iso_file_path.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : iso_file_path.substr(0, slash + 1);
    for (const auto& file : sub.files) builder.Add(dir + file.name, file, iso_path);
    return true;
  }
  return false;
}

}  // namespace

bool LooksLikeIso(const std::string& path) {
  auto target = device::OpenTarget(path, {.write = false, .exclusive = false});
  return target.ok() && udf::LooksLikeDiscImage(**target);
}

absl::StatusOr<IsoTree> TreeFromIso(const std::string& iso_path, const std::string& staging_dir,
                                    const std::vector<fat32::SourceSubstitution>& substitutions) {
  auto target = device::OpenTarget(iso_path, {.write = false, .exclusive = false});
  if (!target.ok()) return target.status();
  if (!udf::LooksLikeDiscImage(**target)) {
    return absl::InvalidArgumentError(
        absl::StrCat(iso_path,
                     ": not an ISO9660 image (no CD001 volume descriptor at byte 32769) nor a "
                     "UDF one (no NSR02/NSR03 in a recognition sequence from byte 32768)"));
  }
  // Windows ISOs keep their files in UDF (fs/udf/disc_image.h picks the fuller tree).
  auto disc = udf::OpenDiscImage(**target);
  if (!disc.ok()) return disc.status();  // names the image
  const iso9660::IsoImage* image = &disc->image;
  IsoTree out;
  out.volume_id = image->volume_id;
  TreeBuilder builder(out.tree);
  std::vector<fat32::PreflightProblem> too_big;
  for (const auto& e : image->entries) {
    fat32::SourceNode n;
    n.mtime_sec = e.mtime;
    if (e.type == iso9660::IsoEntry::Type::kSymlink) continue;  // FAT has no links
    if (AddSubstitutes(e.path, substitutions, builder, iso_path)) continue;
    if (e.type == iso9660::IsoEntry::Type::kDirectory) {
      n.is_dir = true;
    } else {
      if (e.size > fat32::kMaxFatFileSize) {
        too_big.push_back({absl::StrCat(iso_path, ":", e.path), std::nullopt,
                           fat32::TooLargeForFat(e.path, e.size)});
        continue;
      }
      n.path = iso_path;
      n.size = e.size;
      n.source_offset = e.extents.empty() ? 0 : e.extents[0].offset;
      if (e.extents.size() > 1) {
        too_big.push_back(
            {absl::StrCat(iso_path, ":", e.path), std::nullopt, "file stored in several extents"});
        continue;
      }
    }
    builder.Add(e.path, std::move(n), iso_path);
  }
  if (!HasUefiLoader(*image)) {
    if (auto s = AddEfiImageFiles(**target, *image, iso_path, staging_dir, builder, out); !s.ok()) {
      return s;
    }
  }
  auto& problems = builder.problems();
  problems.insert(problems.begin(), too_big.begin(), too_big.end());
  if (!problems.empty()) {
    return absl::FailedPreconditionError(fat32::DescribeProblems(
        absl::StrCat(iso_path, ": ", problems.size(), " problem(s) before anything was written"),
        problems));
  }
  TreeBuilder::Sort(out.tree.root);
  return out;
}

}  // namespace mediaforge::usb
