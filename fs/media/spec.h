// The media spec (media-spec.md): the answers a user gives the task-sequence-media wizard, parsed
// and checked in full before anything else happens. Every error names the key ("output.path",
// "certificate.self_signed.valid_to") and what is wrong with it. Secrets are never in the spec:
// only where to find them (an environment variable or a file).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mediaforge::media {

enum class MediaType { kBootable, kCapture };
enum class Architecture { kX86, kX64, kArm64 };

const char* ArchitectureName(Architecture a);
std::optional<Architecture> ArchitectureFromName(absl::string_view name);

// Where a secret comes from: exactly one of `env` / `file`.
struct SecretSource {
  std::string env;
  std::string file;  // resolved against the spec's directory
  std::string Describe() const;
};

// Reads the secret (a file's trailing newline is dropped). Errors name the variable or file,
// never the value.
absl::StatusOr<std::string> ReadSecret(const SecretSource& source);

struct OutputSpec {
  enum class Kind { kIso, kUsb };
  Kind kind = Kind::kIso;
  // ISO
  std::string path;
  std::optional<uint64_t> media_size;
  bool hybrid = true;
  std::string grub2_mbr;      // optional MBR template for BIOS boot of the hybrid image
  std::string isohybrid_mbr;  // idem, isolinux's isohdpfx.bin
  // USB
  std::vector<std::string> targets;
  bool format = true;
  std::string scheme = "mbr";
  std::optional<uint64_t> image_size;  // image-file targets: their size (default: fitted)
  std::string mbr_code;                // optional MBR boot code file
  std::string pbr_code;                // optional FAT32 boot sector code file (BPB kept)
  // Split Windows images too large for FAT32 into .swm parts (fs/wim/); part size or default.
  bool split_wim = false;
  std::optional<uint64_t> split_wim_part_bytes;
};

struct CertificateSpec {
  enum class Kind { kNone, kSelfSigned, kPkcs12 };
  Kind kind = Kind::kNone;
  int64_t valid_from = 0;  // self-signed: seconds since the epoch (UTC)
  int64_t valid_to = 0;
  std::string valid_from_text, valid_to_text;
  std::string pkcs12_path;
  std::optional<SecretSource> pkcs12_password;
};

struct BootImageSpec {
  std::string path;  // a directory or an .iso
  std::optional<Architecture> architecture;
  std::optional<std::string> bios_boot;  // relative to the boot image
  std::optional<bool> boot_info_table;
  std::optional<std::string> efi_dir;  // relative to the boot image
  bool is_iso() const;
};

struct MediaSpec {
  std::string spec_path;
  std::string spec_dir;  // relative paths in the spec are resolved against it
  MediaType type = MediaType::kBootable;
  bool unattended = false;
  std::string media_management = "dynamic";  // "dynamic" | "site"
  std::vector<std::string> management_points;
  std::string site_code;
  OutputSpec output;
  std::string staging_dir;
  std::string label = "mediaforge";
  bool autorun = false;
  bool unknown_computer_support = false;
  std::string user_device_affinity = "none";
  std::optional<SecretSource> password;
  CertificateSpec certificate;
  BootImageSpec boot_image;
  Architecture target_architecture = Architecture::kX64;
  std::vector<std::pair<std::string, std::string>> variables;  // in spec order
  std::vector<std::string> secret_variables;
  std::string prestart_command;
  std::string prestart_files;  // a directory, resolved
  std::vector<std::string> content;
  std::string capture_destination;

  bool IsSecret(const std::string& variable) const;
};

// Parses and checks `json_text` read from `spec_path` (named in every error).
absl::StatusOr<MediaSpec> ParseMediaSpec(const std::string& json_text,
                                         const std::string& spec_path);
absl::StatusOr<MediaSpec> LoadMediaSpec(const std::string& spec_path);

// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" -> seconds since the epoch (UTC).
std::optional<int64_t> ParseUtcDate(absl::string_view text);
// "512", "64K", "32M", "4.7G", "2T" (binary multiples).
std::optional<uint64_t> ParseByteSize(absl::string_view text);

}  // namespace mediaforge::media
