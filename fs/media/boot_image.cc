#include "fs/media/boot_image.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "device/target.h"
#include "fs/fat32/fat_reader.h"
#include "fs/iso9660/iso9660.h"
#include "fs/media/loader_machine.h"

namespace mediaforge::media {
namespace {

namespace fsys = std::filesystem;

// Largest EFI loader read for the architecture check.
constexpr uint64_t kMaxLoaderBytes = 64ull << 20;

std::string Lower(const std::string& s) { return absl::AsciiStrToLower(s); }

// A child of `dir` whose name equals `name` ignoring case (FAT and El Torito media are
// case-insensitive; boot images come from Windows as often as from Linux).
std::optional<std::string> FindChild(const fsys::path& dir, const std::string& name) {
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator(dir, ec)) {
    if (Lower(e.path().filename().string()) == Lower(name)) return e.path().filename().string();
  }
  return std::nullopt;
}

// Relative path (as found on disk) of `parts` below `root`, matched without case.
std::optional<std::string> FindPath(const fsys::path& root,
                                    std::initializer_list<const char*> parts) {
  fsys::path at = root;
  std::string rel;
  for (const char* part : parts) {
    auto child = FindChild(at, part);
    if (!child) return std::nullopt;
    at /= *child;
    rel = rel.empty() ? *child : absl::StrCat(rel, "/", *child);
  }
  return rel;
}

absl::StatusOr<std::vector<std::byte>> ReadWhole(const std::string& path) {
  std::error_code ec;
  uint64_t size = fsys::file_size(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat(path, ": ", ec.message()));
  if (size > kMaxLoaderBytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": larger than ", kMaxLoaderBytes));
  }
  std::vector<std::byte> out(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(size))) {
    return absl::DataLossError(absl::StrCat(path, ": short read"));
  }
  return out;
}

// The first BOOT*.EFI in EFI/BOOT of a directory.
std::optional<std::string> DirLoader(const fsys::path& root) {
  auto boot = FindPath(root, {"EFI", "BOOT"});
  if (!boot) return std::nullopt;
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator(root / *boot, ec)) {
    std::string n = Lower(e.path().filename().string());
    if (absl::StartsWith(n, "boot") && absl::EndsWith(n, ".efi") && e.is_regular_file(ec)) {
      names.push_back(e.path().filename().string());
    }
  }
  if (names.empty()) return std::nullopt;
  std::sort(names.begin(), names.end());
  return absl::StrCat(*boot, "/", names[0]);
}

// The default loader inside a FAT image file (an El Torito UEFI image).
absl::Status LoaderFromFatImage(const std::string& image_path, BootImage& out) {
  auto target =
      device::OpenTarget(image_path, {.write = false, .direct = false, .exclusive = false});
  if (!target.ok()) return target.status();
  auto volume = fat32::OpenFatVolume(**target, 0);
  if (!volume.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(image_path,
                                                   ": the UEFI boot image is not a "
                                                   "FAT volume: ",
                                                   volume.status().message()));
  }
  auto files = (*volume)->List();
  if (!files.ok()) return files.status();
  for (const auto& f : *files) {
    std::string p = Lower(f.path);
    if (!f.is_dir && absl::StartsWith(p, "/efi/boot/boot") && absl::EndsWith(p, ".efi")) {
      auto bytes = (*volume)->ReadFile(f);
      if (!bytes.ok()) return bytes.status();
      out.efi_loader = std::move(*bytes);
      out.efi_loader_name = absl::StrCat(image_path, ":", f.path);
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// Extracts an ISO boot image and carries its El Torito entries over as files of the tree.
absl::Status FromIso(const BootImageSpec& spec, const std::string& staging_dir, BootImage& out) {
  auto target =
      device::OpenTarget(spec.path, {.write = false, .direct = false, .exclusive = false});
  if (!target.ok()) return target.status();
  auto iso = iso9660::OpenIso(**target);
  if (!iso.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "boot_image.path ", spec.path, ": not a readable ISO image: ", iso.status().message()));
  }
  out.dir = (fsys::path(staging_dir) / "boot-image").string();
  if (auto s = iso9660::ExtractTree(**target, *iso, out.dir); !s.ok()) return s;
  out.id = iso->volume_id.empty() ? fsys::path(spec.path).stem().string() : iso->volume_id;
  for (const auto& entry : iso->boot_entries) {
    if (!entry.bootable) continue;
    const iso9660::IsoEntry* file = nullptr;
    for (const auto& e : iso->entries) {
      if (e.type == iso9660::IsoEntry::Type::kFile && !e.extents.empty() &&
          e.extents[0].offset == uint64_t{entry.load_lba} * 2048) {
        file = &e;
        break;
      }
    }
    const bool uefi = entry.platform_id == 0xEF;
    if (file == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(spec.path, ": the El Torito ", uefi ? "UEFI" : "BIOS", " image at block ",
                       entry.load_lba, " is not a file of the ISO, so it cannot be carried over"));
    }
    if (uefi && !out.efi_boot) out.efi_boot = file->path;
    if (!uefi && entry.platform_id == 0 && !out.bios_boot) out.bios_boot = file->path;
  }
  return absl::OkStatus();
}

// Well-known BIOS loaders, most specific first.
constexpr const char* kBiosLoaders[][4] = {
    {"isolinux", "isolinux.bin", nullptr, nullptr}, {"boot", "isolinux", "isolinux.bin", nullptr},
    {"boot", "grub", "i386-pc", "eltorito.img"},    {"boot", "etfsboot.com", nullptr, nullptr},
    {"etfsboot.com", nullptr, nullptr, nullptr},
};
// Ready-made El Torito UEFI images (WinPE, GRUB, Red Hat-style media).
constexpr const char* kEfiImages[][4] = {
    {"efi", "microsoft", "boot", "efisys.bin"},
    {"boot", "grub", "efi.img", nullptr},
    {"images", "efiboot.img", nullptr, nullptr},
    {"efi.img", nullptr, nullptr, nullptr},
};

template <size_t N>
std::optional<std::string> FindAny(const fsys::path& root, const char* const (&names)[N][4]) {
  for (const auto& parts : names) {
    fsys::path at = root;
    std::string rel;
    bool found = true;
    for (const char* part : parts) {
      if (part == nullptr) break;
      auto child = FindChild(at, part);
      if (!child) {
        found = false;
        break;
      }
      at /= *child;
      rel = rel.empty() ? *child : absl::StrCat(rel, "/", *child);
    }
    if (found) return rel;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<BootImage> ResolveBootImage(const BootImageSpec& spec,
                                           const std::string& staging_dir) {
  BootImage out;
  std::error_code ec;
  if (spec.is_iso()) {
    if (auto s = FromIso(spec, staging_dir, out); !s.ok()) return s;
  } else {
    out.dir = spec.path;
    out.id = fsys::path(spec.path).lexically_normal().parent_path().filename().string();
    if (fsys::path(spec.path).has_filename()) out.id = fsys::path(spec.path).filename().string();
  }
  const fsys::path root(out.dir);
  if (spec.bios_boot) {
    if (!fsys::is_regular_file(root / *spec.bios_boot, ec)) {
      return absl::NotFoundError(absl::StrCat("boot_image.bios_boot ", *spec.bios_boot,
                                              ": no such file in the boot image ", spec.path));
    }
    out.bios_boot = *spec.bios_boot;
  } else if (!out.bios_boot) {
    out.bios_boot = FindAny(root, kBiosLoaders);
  }
  if (spec.efi_dir) {
    if (!fsys::is_directory(root / *spec.efi_dir, ec)) {
      return absl::NotFoundError(absl::StrCat("boot_image.efi_dir ", *spec.efi_dir,
                                              ": no such directory in the boot image ", spec.path));
    }
    out.efi_dir = *spec.efi_dir;
    out.efi_boot.reset();
  } else if (!out.efi_boot) {
    if (auto image = FindAny(root, kEfiImages)) {
      out.efi_boot = *image;
    } else if (DirLoader(root)) {
      out.efi_dir = FindChild(root, "EFI");
    }
  }
  if (!out.bios_boot && !out.efi_boot && !out.efi_dir) {
    return absl::NotFoundError(absl::StrCat(
        "boot_image.path ", spec.path,
        ": no BIOS loader (isolinux.bin, eltorito.img, etfsboot.com) and no UEFI loader "
        "(EFI/BOOT/BOOT*.EFI or an EFI image) found; name them with bios_boot / efi_dir"));
  }
  if (out.bios_boot) {
    std::string name = Lower(fsys::path(*out.bios_boot).filename().string());
    // isolinux and GRUB's eltorito.img read the boot information table (El Torito + isolinux
    // convention: bytes 8-63 of the image); etfsboot.com does not want it patched.
    out.boot_info_table =
        spec.boot_info_table.value_or(name == "isolinux.bin" || name == "eltorito.img");
  }
  // The default loader, for the architecture check.
  if (auto loader = DirLoader(root)) {
    auto bytes = ReadWhole((root / *loader).string());
    if (!bytes.ok()) return bytes.status();
    out.efi_loader = std::move(*bytes);
    out.efi_loader_name = *loader;
  } else if (out.efi_boot) {
    if (auto s = LoaderFromFatImage((root / *out.efi_boot).string(), out); !s.ok()) return s;
  }
  return out;
}

absl::StatusOr<Architecture> BootImageArchitecture(const BootImage& image,
                                                   const BootImageSpec& spec) {
  if (image.efi_loader.empty()) {
    if (spec.architecture) return *spec.architecture;
    return absl::InvalidArgumentError(
        absl::StrCat("boot_image: ", spec.path,
                     " has no UEFI loader to read the architecture from; give "
                     "boot_image.architecture"));
  }
  auto machine = LoaderArchitecture(image.efi_loader, image.efi_loader_name);
  if (!machine.ok()) return machine.status();
  if (spec.architecture && *spec.architecture != *machine) {
    return absl::InvalidArgumentError(
        absl::StrCat("boot_image.architecture says ", ArchitectureName(*spec.architecture),
                     " but the EFI loader ", image.efi_loader_name, " is ",
                     ArchitectureName(*machine), " (PE/COFF machine type)"));
  }
  return *machine;
}

absl::Status CheckArchitecture(Architecture boot_image, Architecture target) {
  bool ok =
      boot_image == target || (target == Architecture::kX64 && boot_image == Architecture::kX86);
  if (ok) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the boot image is ", ArchitectureName(boot_image), " but target_architecture is ",
      ArchitectureName(target), ": an ", ArchitectureName(target), " computer cannot boot it"));
}

}  // namespace mediaforge::media
