// OpenIso / ExtractFile / ExtractTree (iso9660.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "device/errors.h"
#include "fs/iso9660/reader_internal.h"

namespace mediaforge::iso9660 {
namespace {

using internal::ImageReader;

std::string TrimmedText(const char* text, size_t n) {
  return std::string(absl::StripTrailingAsciiWhitespace(std::string(text, strnlen(text, n))));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

absl::Status CopyExtents(device::Target& target, const IsoEntry& entry, int fd,
                         const std::string& dest) {
  std::vector<std::byte> buffer(1 << 20);
  uint64_t written = 0;
  for (const IsoExtentRef& e : entry.extents) {
    for (uint64_t done = 0; done < e.length;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), e.length - done));
      std::span<std::byte> chunk(buffer.data(), n);
      if (auto s = device::ReadFully(target, chunk, e.offset + done); !s.ok()) return s;
      for (size_t off = 0; off < n;) {
        ssize_t w = ::pwrite(fd, chunk.data() + off, n - off, static_cast<off_t>(written + off));
        if (w < 0) {
          if (errno == EINTR) continue;
          return device::ErrnoError(errno, "write", dest, written + off);
        }
        off += static_cast<size_t>(w);
      }
      done += n;
      written += n;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IsoImage> OpenIso(device::Target& target, const IsoOpenOptions& options) {
  ImageReader reader(target);
  IsoImage image;
  internal::DescriptorSet set = internal::ReadDescriptors(reader, image.problems);
  if (!set.primary) {
    return absl::InvalidArgumentError(
        absl::StrCat(target.path(), ": no ISO9660 primary volume descriptor from byte offset ",
                     uint64_t{kFirstDescriptorBlock} * kBlockSize));
  }
  const PrimaryVolumeDescriptor& pvd = *set.primary;
  image.volume_id = TrimmedText(pvd.volume_identifier, sizeof pvd.volume_identifier);
  image.volume_space_blocks = static_cast<uint32_t>(pvd.volume_space_size.Get());
  image.volume_set_size = static_cast<uint16_t>(pvd.volume_set_size.Get());
  image.volume_sequence_number = static_cast<uint16_t>(pvd.volume_sequence_number.Get());
  image.has_joliet = set.joliet.has_value();
  if (set.boot) {
    image.boot_catalog_lba = static_cast<uint32_t>(set.boot->boot_catalog_lba.Get());
    image.boot_entries = internal::ReadBootCatalog(reader, *image.boot_catalog_lba,
                                                   image.volume_space_blocks, image.problems);
  }

  auto primary_root = internal::RootOf(pvd, set.primary_offset, image.problems, "PVD");
  if (!primary_root) {
    return absl::DataLossError(absl::StrCat(target.path(), ": unusable root directory record"));
  }
  internal::WalkParams params;
  params.volume_blocks = image.volume_space_blocks;
  params.max_entries = options.max_entries;
  NameSource want = options.names.value_or(NameSource::kRockRidge);
  if (want != NameSource::kJoliet) {
    params.root = *primary_root;
    params.rock_ridge = want == NameSource::kRockRidge;
    params.tree_name = "ISO9660 tree";
    internal::TreeWalk walk = internal::WalkTree(reader, params, image.problems);
    image.has_rock_ridge = walk.rock_ridge;
    bool use_joliet = want == NameSource::kRockRidge && !walk.rock_ridge && set.joliet &&
                      !options.names.has_value();
    if (!use_joliet) {
      image.names = walk.rock_ridge ? NameSource::kRockRidge : NameSource::kIso9660;
      image.entries = std::move(walk.entries);
      return image;
    }
  }
  if (!set.joliet) {
    return absl::NotFoundError(absl::StrCat(target.path(), ": has no Joliet tree"));
  }
  auto joliet_root = internal::RootOf(*set.joliet, set.joliet_offset, image.problems, "Joliet SVD");
  if (!joliet_root) {
    return absl::DataLossError(absl::StrCat(target.path(), ": unusable Joliet root record"));
  }
  params.root = *joliet_root;
  params.joliet = true;
  params.rock_ridge = false;
  params.tree_name = "Joliet tree";
  image.entries = internal::WalkTree(reader, params, image.problems).entries;
  image.names = NameSource::kJoliet;
  return image;
}

absl::Status ExtractFile(device::Target& target, const IsoEntry& entry,
                         const std::string& dest_path) {
  if (entry.type != IsoEntry::Type::kFile) {
    return absl::InvalidArgumentError(absl::StrCat(entry.path, ": not a regular file"));
  }
  Fd fd(::open(dest_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return device::ErrnoError(errno, "create", dest_path, std::nullopt);
  if (auto s = CopyExtents(target, entry, fd.get(), dest_path); !s.ok()) return s;
  if (::close(fd.release()) != 0)
    return device::ErrnoError(errno, "close", dest_path, std::nullopt);
  return absl::OkStatus();
}

absl::Status ExtractTree(device::Target& target, const IsoImage& image,
                         const std::string& dest_dir) {
  // Parents come before children; a child is only written below a directory this call created
  // (so a hostile image cannot route a file through a symlink it planted earlier).
  if (::mkdir(dest_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return device::ErrnoError(errno, "mkdir", dest_dir, std::nullopt);
  }
  std::unordered_set<std::string> created = {""};
  for (const IsoEntry& e : image.entries) {
    size_t slash = e.path.rfind('/');
    std::string parent = slash == std::string::npos ? "" : e.path.substr(0, slash);
    if (!created.count(parent)) {
      return absl::DataLossError(absl::StrCat(target.path(), ": '", e.path,
                                              "' is listed below something that is not a "
                                              "directory extracted before it"));
    }
    std::string dest = absl::StrCat(dest_dir, "/", e.path);
    switch (e.type) {
      case IsoEntry::Type::kDirectory:
        if (::mkdir(dest.c_str(), 0755) != 0 && errno != EEXIST) {
          return device::ErrnoError(errno, "mkdir", dest, std::nullopt);
        }
        created.insert(e.path);
        break;
      case IsoEntry::Type::kSymlink:
        if (::symlink(e.symlink_target.c_str(), dest.c_str()) != 0) {
          return device::ErrnoError(errno, "symlink", dest, std::nullopt);
        }
        break;
      case IsoEntry::Type::kFile: {
        Fd fd(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (fd.get() < 0) return device::ErrnoError(errno, "create", dest, std::nullopt);
        if (auto s = CopyExtents(target, e, fd.get(), dest); !s.ok()) return s;
        if (image.has_rock_ridge) ::fchmod(fd.get(), e.mode & 07777);
        break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::iso9660
