#include "fs/media/builder.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fs/media/certificate.h"
#include "fs/media/existing_volume.h"
#include "fs/media/manifest.h"
#include "fs/media/seal.h"
#include "fs/media/secret_buffer.h"

namespace mediaforge::media {
namespace {

namespace fsys = std::filesystem;

// Secrets read once, up front: a missing source fails before anything else happens.
// Held as SecretStrings: locked, wiped when done (secret_buffer.h).
struct Secrets {
  std::optional<SecretString> password;
  std::optional<SecretString> pkcs12_password;
};

absl::StatusOr<Secrets> ReadSecrets(const MediaSpec& spec) {
  Secrets s;
  if (spec.password) {
    auto p = ReadSecret(*spec.password);
    if (!p.ok())
      return absl::Status(p.status().code(), absl::StrCat("password: ", p.status().message()));
    s.password.emplace(std::move(*p));
  }
  if (spec.certificate.pkcs12_password) {
    auto p = ReadSecret(*spec.certificate.pkcs12_password);
    if (!p.ok()) {
      return absl::Status(p.status().code(),
                          absl::StrCat("certificate.password: ", p.status().message()));
    }
    s.pkcs12_password.emplace(std::move(*p));
  }
  return s;
}

// A PKCS#12 certificate, loaded and checked at `now` (self-signed ones: pending_secret_files.h).
absl::StatusOr<MediaCertificate> LoadCertificate(const MediaSpec& spec, const Secrets& secrets,
                                                 int64_t now) {
  std::string password = secrets.pkcs12_password->Copy();
  auto c = LoadPkcs12Certificate(spec.certificate.pkcs12_path, password, now);
  WipeString(password);
  return c;
}

uint64_t StagingNeed(const MediaSpec& spec) {
  std::error_code ec;
  if (!spec.boot_image.is_iso()) return 0;
  return fsys::file_size(spec.boot_image.path, ec);
}

// Writes the generated files into staging/gen and returns that directory: the label and
// autorun.inf, and the placeholders of the files that wait for keys (pending_secret_files.h).
absl::StatusOr<std::string> WriteGeneratedFiles(const MediaSpec& spec, PreparedMedia& media) {
  StagingArea& st = *media.staging;
  const std::string gen = "gen/";
  if (auto p = st.WriteFile(gen + kLabelFile, MediaLabelText(spec.label)); !p.ok())
    return p.status();
  if (spec.autorun) {
    if (auto p = st.WriteFile(gen + kAutorunFile, AutorunText(spec.label)); !p.ok())
      return p.status();
  }
  for (const GeneratedFile& f : media.pending->placeholders()) {
    if (auto p = st.WriteFile(gen + f.path, f.bytes); !p.ok()) return p.status();
  }
  return absl::StrCat(st.path(), "/gen");
}

absl::StatusOr<std::unique_ptr<TreeNode>> Scan(const std::string& dir) {
  return iso9660::ScanSourceTree(dir);
}

// The source directories as scanned. The scan runs on a thread of its own while the
// certificate and the sealing run (RSA key generation and scrypt use the CPU; the scan waits
// on the disk for a cold tree), so the builder's fixed cost overlaps the tree's (issue 10 bench).
struct ScannedSources {
  std::unique_ptr<TreeNode> root;                                          // the boot image
  std::vector<std::pair<std::string, std::unique_ptr<TreeNode>>> content;  // (dir, tree)
  std::unique_ptr<TreeNode> prestart;
};

absl::StatusOr<ScannedSources> ScanSources(const MediaSpec& spec, const std::string& boot_dir) {
  ScannedSources out;
  auto root = Scan(boot_dir);
  if (!root.ok()) return root.status();
  out.root = std::move(*root);
  for (const std::string& dir : spec.content) {
    auto sub = Scan(dir);
    if (!sub.ok()) return sub.status();
    out.content.emplace_back(dir, std::move(*sub));
  }
  if (!spec.prestart_files.empty()) {
    auto sub = Scan(spec.prestart_files);
    if (!sub.ok()) return sub.status();
    out.prestart = std::move(*sub);
  }
  return out;
}

absl::Status AssembleTree(const MediaSpec& spec, PreparedMedia& media, const std::string& gen,
                          ScannedSources scanned) {
  media.tree = std::move(scanned.root);
  for (auto& [dir, sub] : scanned.content) {
    std::string name = fsys::path(dir).lexically_normal().filename().string();
    if (name.empty()) name = fsys::path(dir).lexically_normal().parent_path().filename().string();
    if (auto s = Graft(*media.tree, name, std::move(sub), absl::StrCat("content ", dir)); !s.ok())
      return s;
  }
  if (scanned.prestart) {
    if (auto s = Graft(*media.tree, MediaPath(kPrestartDir), std::move(scanned.prestart),
                       absl::StrCat("prestart.files ", spec.prestart_files));
        !s.ok())
      return s;
  }
  auto generated = Scan(gen);
  if (!generated.ok()) return generated.status();
  return Graft(*media.tree, "", std::move(*generated), "mediaforge (generated files)");
}

// The manifest as a placeholder of its exact size (fixed-width lines): the digests come from
// the stream (streamed_manifest.h), so planning reads no file. Every file is listed, the BIOS
// loader included: its digest is taken from the bytes written, so a loader the ISO writer
// patches (boot information table, GRUB2 boot info) is listed as it is on the media.
absl::Status AddManifest(PreparedMedia& media) {
  const std::string manifest_path = MediaPath(kManifestFile);
  iso9660::ForEachNode(*media.tree, [&](TreeNode& n) {
    if (n.is_file() && n.RelativePath() != manifest_path)
      media.manifest_paths.push_back(n.RelativePath());
  });
  auto written = media.staging->WriteFile(absl::StrCat("gen/", manifest_path),
                                          PlaceholderManifest(media.manifest_paths));
  if (!written.ok()) return written.status();
  return AddDiskFile(*media.tree, manifest_path, *written);
}

// A boot code file named by `key`, at most `max_bytes`.
absl::StatusOr<std::vector<std::byte>> ReadBootCode(const std::string& path, const char* key,
                                                    uint64_t max_bytes) {
  std::error_code ec;
  const uint64_t size = fsys::file_size(path, ec);
  if (ec || size == 0 || size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, " ", path, ": not a readable file of 1 to ", max_bytes, " bytes"));
  }
  std::vector<std::byte> code(size);
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(code.data()), static_cast<std::streamsize>(size))) {
    return absl::NotFoundError(absl::StrCat(key, " ", path, ": cannot read ", size, " bytes"));
  }
  return code;
}

// Where each file of `tree` lies in a FAT layout: the FAT writer places every file as one
// range of its source file (fat_writer.cc), so the extent naming a file's source path from its
// start with its length is the file. Empty files have no extent.
std::map<std::string, ManifestFile> FatPlacement(TreeNode& tree, const engine::Layout& layout) {
  std::map<std::string, std::vector<const TreeNode*>> by_source;
  std::map<std::string, ManifestFile> at;
  iso9660::ForEachNode(tree, [&](TreeNode& n) {
    if (!n.is_file()) return;
    if (n.size == 0) at[n.RelativePath()] = {n.RelativePath(), 0, 0, 0};
    by_source[n.source_path].push_back(&n);
  });
  for (const engine::Extent& e : layout.extents()) {
    const auto* range = std::get_if<engine::FileRange>(&e.source);
    if (range == nullptr || range->offset != 0) continue;
    auto it = by_source.find(range->path);
    if (it == by_source.end()) continue;
    for (const TreeNode* n : it->second) {
      if (n->size == e.length)
        at[n->RelativePath()] = {n->RelativePath(), 0, e.target_offset, n->size};
    }
  }
  return at;
}

// Where the listed files and the manifest lie, from the planner's placement.
absl::Status PlaceManifest(PreparedMedia& media, const std::map<std::string, ManifestFile>& at) {
  media.manifest_files.clear();
  for (const std::string& path : media.manifest_paths) {
    auto it = at.find(path);
    if (it == at.end()) {
      return absl::InternalError(
          absl::StrCat("/", path,
                       ": not placed as one run of bytes on the output; the manifest "
                       "cannot be taken while streaming"));
    }
    media.manifest_files.push_back(it->second);
  }
  auto self = at.find(MediaPath(kManifestFile));
  if (self == at.end()) return absl::InternalError("the manifest is not placed on the output");
  media.manifest_place = self->second;
  return absl::OkStatus();
}

}  // namespace

std::string FatLabel(const std::string& label) {
  std::string out;
  for (char c : label.substr(0, 11)) {
    char u = absl::ascii_toupper(static_cast<unsigned char>(c));
    bool ok = absl::ascii_isalnum(static_cast<unsigned char>(u)) || u == ' ' ||
              std::string("$%'-_@~`!(){}^#&").find(u) != std::string::npos;
    out += ok ? u : '_';
  }
  while (!out.empty() && out.front() == ' ') out.erase(0, 1);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

absl::StatusOr<PreparedMedia> PrepareMedia(const MediaSpec& spec, const BuildSettings& settings) {
  PreparedMedia media;
  auto secrets = ReadSecrets(spec);
  if (!secrets.ok()) return secrets.status();
  auto staging = StagingArea::Create(spec.staging_dir, StagingNeed(spec));
  if (!staging.ok()) return staging.status();
  media.staging = std::move(*staging);

  auto boot = ResolveBootImage(spec.boot_image, media.staging->path());
  if (!boot.ok()) return boot.status();
  media.boot = std::move(*boot);
  auto arch = BootImageArchitecture(media.boot, spec.boot_image);
  if (!arch.ok()) return arch.status();
  if (auto s = CheckArchitecture(*arch, spec.target_architecture); !s.ok()) return s;

  auto scanning = std::async(std::launch::async, [&spec, dir = media.boot.dir] {
    return ScanSources(spec, dir);
  });  // waited for on every path (the future's destructor)
  // A PKCS#12 certificate is loaded and checked here (its refusals are pre-flight); a
  // self-signed one's key and the sealing key are made while the media stream.
  std::optional<MediaCertificate> loaded;
  if (spec.certificate.kind == CertificateSpec::Kind::kPkcs12) {
    auto cert = LoadCertificate(spec, *secrets, settings.now);
    if (!cert.ok()) return cert.status();
    loaded = std::move(*cert);
  }
  const bool certificate = spec.certificate.kind != CertificateSpec::Kind::kNone;

  MediaFacts& f = media.facts;
  f.boot_image_id = media.boot.id;
  f.boot_architecture = *arch;
  f.created = settings.date.value_or(settings.now);
  f.tool_version = settings.tool_version;
  f.sealed = secrets->password.has_value();
  if (spec.type == MediaType::kBootable && !secrets->password) {
    media.findings.push_back("no password: anyone holding the media can read its variables" +
                             std::string(certificate ? " and the certificate's private key" : ""));
  }
  if (!media.boot.bios_boot)
    media.findings.push_back("the boot image has no BIOS loader: UEFI only");
  if (!media.boot.efi_boot && !media.boot.efi_dir) {
    media.findings.push_back("the boot image has no UEFI loader: BIOS only");
  }
  auto pending =
      PendingSecretFiles::Start(spec, std::move(secrets->password), std::move(loaded), f);
  if (!pending.ok()) return pending.status();
  media.pending = std::move(*pending);

  auto gen = WriteGeneratedFiles(spec, media);
  if (!gen.ok()) return gen.status();
  auto scanned = scanning.get();
  if (!scanned.ok()) return scanned.status();
  if (auto s = AssembleTree(spec, media, *gen, std::move(*scanned)); !s.ok()) return s;
  if (spec.output.kind == OutputSpec::Kind::kUsb && spec.output.split_wim) {
    SplitWimRequest request;
    request.source_dirs.push_back(media.boot.dir);
    for (const std::string& dir : spec.content) request.source_dirs.push_back(dir);
    if (!spec.prestart_files.empty()) request.source_dirs.push_back(spec.prestart_files);
    request.part_bytes = spec.output.split_wim_part_bytes.value_or(wim::kDefaultPartBytes);
    request.staging_parent = media.staging->path();
    auto parts = SplitWimsIntoTree(request, *media.tree, media.findings);
    if (!parts.ok()) return parts.status();
    media.wim_parts = std::move(*parts);
  }
  if (auto s = AddManifest(media); !s.ok()) return s;
  media.totals = CountTree(*media.tree);
  return media;
}

absl::StatusOr<std::vector<GeneratedFile>> FinishGeneratedFiles(PreparedMedia& media) {
  if (!media.pending) return std::vector<GeneratedFile>();
  auto files = media.pending->Finish();
  if (!files.ok()) return files.status();
  media.facts.certificate_thumbprint = media.pending->facts().certificate_thumbprint;
  media.facts.certificate_subject = media.pending->facts().certificate_subject;
  if (!media.generated_in_staging) {
    for (const GeneratedFile& f : *files) {
      if (auto p = media.staging->WriteFile("gen/" + f.path, f.bytes); !p.ok()) return p.status();
    }
    media.generated_in_staging = true;
  }
  return files;
}

absl::StatusOr<iso9660::IsoPlan> PlanIsoMedia(const MediaSpec& spec, PreparedMedia& media,
                                              const BuildSettings& settings) {
  iso9660::IsoWriteOptions o;
  o.source_dir = media.boot.dir;
  o.label = spec.label;
  o.bios_boot = media.boot.bios_boot;
  o.boot_info_table = media.boot.bios_boot && media.boot.boot_info_table;
  o.efi_boot = media.boot.efi_boot;
  o.efi_dir = media.boot.efi_dir;
  o.hybrid = spec.output.hybrid;
  o.date = settings.date;
  o.media_size = spec.output.media_size;
  o.output_path = spec.output.path;
  // A split set keeps the configuration, the manifest and the label on the bootable volume 1.
  iso9660::ForEachNode(*media.tree, [&](TreeNode& n) {
    std::string rel = n.RelativePath();
    if (n.is_file() && (rel == kLabelFile || rel == kAutorunFile ||
                        (absl::StartsWith(rel, absl::StrCat(kMediaDir, "/")) &&
                         !absl::StartsWith(rel, MediaPath(kPrestartDir))))) {
      o.first_volume_files.push_back(rel);
    }
  });
  if (!spec.output.grub2_mbr.empty()) o.grub2_mbr = spec.output.grub2_mbr;
  if (!spec.output.isohybrid_mbr.empty()) o.isohybrid_mbr = spec.output.isohybrid_mbr;
  if (o.hybrid && o.bios_boot && !o.grub2_mbr && !o.isohybrid_mbr) {
    // GRUB images carry their own hybrid MBR template (grub-mkrescue puts it there).
    std::error_code ec;
    fsys::path grub = fsys::path(media.boot.dir) / "boot/grub/i386-pc/boot_hybrid.img";
    if (fsys::is_regular_file(grub, ec) &&
        absl::EndsWith(absl::AsciiStrToLower(*o.bios_boot), "eltorito.img")) {
      o.grub2_mbr = grub.string();
    } else {
      media.findings.push_back(
          "hybrid ISO without an MBR template (output.grub2_mbr / output.isohybrid_mbr): a BIOS "
          "cannot boot it from a USB stick (UEFI and CD boot are unaffected)");
    }
  }
  auto plan = iso9660::PlanIsoTree(o, std::move(media.tree));
  if (!plan.ok()) return plan.status();
  for (const auto& n : plan->notes) media.findings.push_back(n);
  std::map<std::string, ManifestFile> at;
  for (size_t v = 0; v < plan->volumes.size(); ++v) {
    for (const auto& f : plan->volumes[v].placed) at[f.path] = {f.path, v, f.offset, f.size};
  }
  if (auto s = PlaceManifest(media, at); !s.ok()) return s;
  return plan;
}

namespace {

// output.format false (existing_volume.h): the media replace the content of the FAT volume
// every target already has.
absl::StatusOr<usb::UsbMediaPlan> PlanOntoExisting(const MediaSpec& spec, PreparedMedia& media,
                                                   fat32::SourceTree tree,
                                                   const BuildSettings& settings) {
  if (!spec.output.mbr_code.empty()) {
    return absl::InvalidArgumentError(
        "output.mbr_code: the MBR is kept as it is when output.format is false");
  }
  std::vector<ExistingFatVolume> volumes;
  for (const std::string& t : spec.output.targets) {
    auto v = FindExistingFatVolume(t);
    if (!v.ok()) return v.status();
    volumes.push_back(std::move(*v));
  }
  ExistingVolumePlanOptions o;
  o.label = FatLabel(spec.label);
  o.date = settings.date;
  if (!spec.output.pbr_code.empty()) {
    auto code = ReadBootCode(spec.output.pbr_code, "output.pbr_code", 64 << 10);
    if (!code.ok()) return code.status();
    o.pbr_code = std::move(*code);
  }
  auto plan = PlanOntoExistingVolumes(volumes, std::move(tree), o);
  if (!plan.ok()) return plan.status();
  media.findings.push_back(
      absl::StrCat("output.format false: the FAT volume at byte offset ", volumes[0].offset, " of ",
                   volumes.size() == 1 ? volumes[0].target : "every target",
                   " is made anew with the media; the files it held are replaced"));
  if (auto s = PlaceManifest(media, FatPlacement(*media.tree, plan->layout)); !s.ok()) return s;
  return plan;
}

}  // namespace

absl::StatusOr<usb::UsbMediaPlan> PlanUsbMediaFor(const MediaSpec& spec, PreparedMedia& media,
                                                  const UsbGeometry& geometry,
                                                  const BuildSettings& settings) {
  auto tree = ToFatTree(*media.tree);
  if (!tree.ok()) return tree.status();
  if (!spec.output.format) return PlanOntoExisting(spec, media, std::move(*tree), settings);
  usb::UsbMediaOptions o;
  o.scheme =
      spec.output.scheme == "gpt" ? device::PartitionScheme::kGpt : device::PartitionScheme::kMbr;
  o.sector_size = geometry.sector_size;
  o.label = FatLabel(spec.label);
  o.date = settings.date;
  o.zero_fill = geometry.zero_fill;
  // The boot records the `usb` command installs (usb::PlanUsbMedia): MBR code (bytes 0-439)
  // and the FAT32 boot sector code, e.g. syslinux's mbr.bin and its volume boot record.
  if (!spec.output.mbr_code.empty()) {
    auto code = ReadBootCode(spec.output.mbr_code, "output.mbr_code", 512);
    if (!code.ok()) return code.status();
    o.mbr_code = std::move(*code);
  }
  if (!spec.output.pbr_code.empty()) {
    auto code = ReadBootCode(spec.output.pbr_code, "output.pbr_code", 64 << 10);
    if (!code.ok()) return code.status();
    o.pbr_code = std::move(*code);
  }
  if (!media.boot.efi_dir) {
    media.findings.push_back(
        "the boot image has no EFI directory: the stick boots UEFI only if the loader is in "
        "EFI/BOOT");
  }
  usb::UsbContent content;
  content.tree = std::move(*tree);
  o.disk_bytes = geometry.disk_bytes;
  if (o.disk_bytes == 0) {
    auto size = usb::DiskSizeForContent(o, content, 16 << 20);
    if (!size.ok()) return size.status();
    o.disk_bytes = *size;
  }
  auto plan = usb::PlanUsbMedia(o, content);
  if (!plan.ok()) return plan.status();
  if (auto s = PlaceManifest(media, FatPlacement(*media.tree, plan->layout)); !s.ok()) return s;
  return plan;
}

}  // namespace mediaforge::media
