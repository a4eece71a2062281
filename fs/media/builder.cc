#include "fs/media/builder.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fs/media/certificate.h"
#include "fs/media/manifest.h"
#include "fs/media/seal.h"
#include "fs/media/secret_buffer.h"

namespace mediaforge::media {
namespace {

namespace fsys = std::filesystem;

std::string MediaPath(const char* file) { return absl::StrCat(kMediaDir, "/", file); }

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

absl::StatusOr<std::optional<MediaCertificate>> MakeCertificate(const MediaSpec& spec,
                                                                const Secrets& secrets,
                                                                int64_t now) {
  switch (spec.certificate.kind) {
    case CertificateSpec::Kind::kNone:
      return std::optional<MediaCertificate>();
    case CertificateSpec::Kind::kSelfSigned: {
      auto c = MakeSelfSignedCertificate(spec.certificate.valid_from, spec.certificate.valid_to,
                                         absl::StrCat("mediaforge media ", spec.label));
      if (!c.ok()) return c.status();
      return std::optional<MediaCertificate>(std::move(*c));
    }
    case CertificateSpec::Kind::kPkcs12: {
      std::string password = secrets.pkcs12_password->Copy();
      auto c = LoadPkcs12Certificate(spec.certificate.pkcs12_path, password, now);
      WipeString(password);
      if (!c.ok()) return c.status();
      return std::optional<MediaCertificate>(std::move(*c));
    }
  }
  return absl::InternalError("unknown certificate kind");
}

uint64_t StagingNeed(const MediaSpec& spec) {
  std::error_code ec;
  if (!spec.boot_image.is_iso()) return 0;
  return fsys::file_size(spec.boot_image.path, ec);
}

// Writes the generated files into staging/gen and returns that directory.
absl::StatusOr<std::string> WriteGeneratedFiles(const MediaSpec& spec, PreparedMedia& media,
                                                const Secrets& secrets,
                                                const std::optional<MediaCertificate>& cert) {
  StagingArea& st = *media.staging;
  const std::string gen = "gen/";
  if (auto p = st.WriteFile(gen + kLabelFile, MediaLabelText(spec.label)); !p.ok())
    return p.status();
  if (spec.autorun) {
    if (auto p = st.WriteFile(gen + kAutorunFile, AutorunText(spec.label)); !p.ok())
      return p.status();
  }
  if (spec.type == MediaType::kBootable) {
    SecretPayload payload;
    payload.variables = spec.variables;
    payload.secret_variables = spec.secret_variables;
    if (cert) {
      payload.certificate_key_pem = cert->private_key_pem;
      if (auto p = st.WriteFile(gen + MediaPath(kCertificateFile), cert->certificate_pem); !p.ok())
        return p.status();
    }
    std::string plain = SecretPayloadJson(payload);
    if (secrets.password) {
      auto sealed = Seal(plain, secrets.password->view());
      WipeString(plain);  // the variables in clear and the certificate's private key
      if (!sealed.ok()) return sealed.status();
      if (auto p = st.WriteFile(gen + MediaPath(kSealedFile), *sealed); !p.ok()) return p.status();
    } else {
      if (auto p = st.WriteFile(gen + MediaPath(kUnsealedFile), plain); !p.ok()) return p.status();
    }
  }
  if (auto p = st.WriteFile(gen + MediaPath(kConfigFile), ConfigJson(spec, media.facts)); !p.ok())
    return p.status();
  return absl::StrCat(st.path(), "/gen");
}

absl::StatusOr<std::unique_ptr<TreeNode>> Scan(const std::string& dir) {
  return iso9660::ScanSourceTree(dir);
}

absl::Status AssembleTree(const MediaSpec& spec, PreparedMedia& media, const std::string& gen) {
  auto root = Scan(media.boot.dir);
  if (!root.ok()) return root.status();
  media.tree = std::move(*root);
  for (const std::string& dir : spec.content) {
    auto sub = Scan(dir);
    if (!sub.ok()) return sub.status();
    std::string name = fsys::path(dir).lexically_normal().filename().string();
    if (name.empty()) name = fsys::path(dir).lexically_normal().parent_path().filename().string();
    if (auto s = Graft(*media.tree, name, std::move(*sub), absl::StrCat("content ", dir)); !s.ok())
      return s;
  }
  if (!spec.prestart_files.empty()) {
    auto sub = Scan(spec.prestart_files);
    if (!sub.ok()) return sub.status();
    if (auto s = Graft(*media.tree, MediaPath(kPrestartDir), std::move(*sub),
                       absl::StrCat("prestart.files ", spec.prestart_files));
        !s.ok())
      return s;
  }
  auto generated = Scan(gen);
  if (!generated.ok()) return generated.status();
  return Graft(*media.tree, "", std::move(*generated), "mediaforge (generated files)");
}

absl::Status AddManifest(const MediaSpec& spec, PreparedMedia& media,
                         const BuildSettings& settings) {
  const std::string manifest_path = MediaPath(kManifestFile);
  std::vector<std::string> skip = {manifest_path};
  // The ISO writer patches the boot information table (block addresses known only once the
  // layout is planned) into the BIOS loader: its bytes on the media differ from the source.
  if (spec.output.kind == OutputSpec::Kind::kIso && media.boot.bios_boot &&
      media.boot.boot_info_table) {
    skip.push_back(*media.boot.bios_boot);
  }
  std::string text;
  auto start = std::chrono::steady_clock::now();
  if (settings.hash_content) {
    auto m = BuildManifest(*media.tree, skip);
    if (!m.ok()) return m.status();
    text = std::move(*m);
  } else {
    // Fixed-width digests: the placeholder manifest has exactly the real one's size.
    iso9660::ForEachNode(*media.tree, [&](TreeNode& n) {
      if (n.is_file() && std::find(skip.begin(), skip.end(), n.RelativePath()) == skip.end())
        absl::StrAppend(&text, std::string(64, '0'), "  ", n.RelativePath(), "\n");
    });
  }
  media.manifest_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto written = media.staging->WriteFile(absl::StrCat("gen/", manifest_path), text);
  if (!written.ok()) return written.status();
  return AddDiskFile(*media.tree, manifest_path, *written);
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

  auto cert = MakeCertificate(spec, *secrets, settings.now);
  if (!cert.ok()) return cert.status();

  MediaFacts& f = media.facts;
  f.boot_image_id = media.boot.id;
  f.boot_architecture = *arch;
  f.created = settings.date.value_or(settings.now);
  f.tool_version = settings.tool_version;
  f.sealed = secrets->password.has_value();
  if (*cert) {
    f.certificate_thumbprint = (*cert)->thumbprint;
    f.certificate_subject = (*cert)->subject;
  }
  if (spec.type == MediaType::kBootable && !secrets->password) {
    media.findings.push_back("no password: anyone holding the media can read its variables" +
                             std::string(*cert ? " and the certificate's private key" : ""));
  }
  if (!media.boot.bios_boot)
    media.findings.push_back("the boot image has no BIOS loader: UEFI only");
  if (!media.boot.efi_boot && !media.boot.efi_dir) {
    media.findings.push_back("the boot image has no UEFI loader: BIOS only");
  }

  auto gen = WriteGeneratedFiles(spec, media, *secrets, *cert);
  if (!gen.ok()) return gen.status();
  if (auto s = AssembleTree(spec, media, *gen); !s.ok()) return s;
  if (auto s = AddManifest(spec, media, settings); !s.ok()) return s;
  media.totals = CountTree(*media.tree);
  return media;
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
  return plan;
}

absl::StatusOr<usb::UsbMediaPlan> PlanUsbMediaFor(const MediaSpec& spec, PreparedMedia& media,
                                                  const UsbGeometry& geometry,
                                                  const BuildSettings& settings) {
  if (!spec.output.format) {
    return absl::UnimplementedError(
        "output.format false (writing onto the existing FAT volume) is not yet supported: use "
        "format true");
  }
  auto tree = ToFatTree(*media.tree);
  if (!tree.ok()) return tree.status();
  usb::UsbMediaOptions o;
  o.scheme =
      spec.output.scheme == "gpt" ? device::PartitionScheme::kGpt : device::PartitionScheme::kMbr;
  o.sector_size = geometry.sector_size;
  o.label = FatLabel(spec.label);
  o.date = settings.date;
  o.zero_fill = geometry.zero_fill;
  if (!spec.output.mbr_code.empty()) {
    std::error_code ec;
    if (fsys::file_size(spec.output.mbr_code, ec) > 512 || ec) {
      return absl::InvalidArgumentError(absl::StrCat("output.mbr_code ", spec.output.mbr_code,
                                                     ": not a readable file of at "
                                                     "most 512 bytes"));
    }
    std::vector<std::byte> code(fsys::file_size(spec.output.mbr_code));
    FILE* f = std::fopen(spec.output.mbr_code.c_str(), "rb");
    if (f == nullptr || std::fread(code.data(), 1, code.size(), f) != code.size()) {
      if (f) std::fclose(f);
      return absl::NotFoundError(absl::StrCat(spec.output.mbr_code, ": cannot read"));
    }
    std::fclose(f);
    o.mbr_code = std::move(code);
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
  return usb::PlanUsbMedia(o, content);
}

}  // namespace mediaforge::media
