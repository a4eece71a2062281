#include "fs/media/media_reader.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "device/partition_table.h"
#include "device/sha256.h"
#include "fs/fat32/fat_reader.h"
#include "fs/iso9660/iso9660.h"

namespace mediaforge::media {
namespace {

constexpr size_t kChunk = 1 << 20;

// Reads `length` bytes at `offset` in chunks, handing each to `fn`.
template <typename Fn>
absl::Status ReadRange(device::Target& target, uint64_t offset, uint64_t length, Fn fn) {
  std::vector<std::byte> buf(std::min<uint64_t>(kChunk, std::max<uint64_t>(length, 1)));
  while (length > 0) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), length));
    if (auto s = device::ReadFully(target, std::span<std::byte>(buf.data(), n), offset); !s.ok())
      return s;
    fn(std::span<const std::byte>(buf.data(), n));
    offset += n;
    length -= n;
  }
  return absl::OkStatus();
}

std::string Normalize(const std::string& path) {
  std::string p = path;
  while (!p.empty() && p[0] == '/') p.erase(0, 1);
  return p;
}

class IsoFiles : public MediaFiles {
 public:
  IsoFiles(device::Target& target, iso9660::IsoImage image)
      : target_(target), image_(std::move(image)) {
    for (const auto& e : image_.entries) by_path_[e.path] = &e;
  }
  std::string Describe() const override {
    return absl::StrCat("ISO9660 volume '", image_.volume_id, "'");
  }
  bool Exists(const std::string& path) override { return Find(path) != nullptr; }
  absl::StatusOr<std::string> Read(const std::string& path, uint64_t max_bytes) override {
    const iso9660::IsoEntry* e = Find(path);
    if (e == nullptr) return absl::NotFoundError(absl::StrCat(path, ": not on the media"));
    if (e->size > max_bytes) {
      return absl::OutOfRangeError(absl::StrCat(path, ": larger than ", max_bytes, " bytes"));
    }
    std::string out;
    for (const auto& x : e->extents) {
      auto s = ReadRange(target_, x.offset, x.length, [&](std::span<const std::byte> b) {
        out.append(reinterpret_cast<const char*>(b.data()), b.size());
      });
      if (!s.ok()) return s;
    }
    return out;
  }
  absl::StatusOr<std::string> Sha256(const std::string& path) override {
    const iso9660::IsoEntry* e = Find(path);
    if (e == nullptr) return absl::NotFoundError("missing from the media");
    device::Sha256 sha;
    for (const auto& x : e->extents) {
      auto s = ReadRange(target_, x.offset, x.length,
                         [&](std::span<const std::byte> b) { sha.Update(b); });
      if (!s.ok()) return s;
    }
    return sha.FinalHex();
  }

 private:
  const iso9660::IsoEntry* Find(const std::string& path) {
    auto it = by_path_.find(Normalize(path));
    if (it == by_path_.end() || it->second->type != iso9660::IsoEntry::Type::kFile) return nullptr;
    return it->second;
  }
  device::Target& target_;
  iso9660::IsoImage image_;
  std::map<std::string, const iso9660::IsoEntry*> by_path_;
};

class FatFiles : public MediaFiles {
 public:
  explicit FatFiles(std::unique_ptr<fat32::FatVolume> volume) : volume_(std::move(volume)) {}
  std::string Describe() const override {
    return absl::StrCat("FAT volume '", volume_->label(), "' at byte ", volume_->offset());
  }
  bool Exists(const std::string& path) override { return Find(path).ok(); }
  absl::StatusOr<std::string> Read(const std::string& path, uint64_t max_bytes) override {
    auto f = Find(path);
    if (!f.ok()) return f.status();
    if (f->size > max_bytes) {
      return absl::OutOfRangeError(absl::StrCat(path, ": larger than ", max_bytes, " bytes"));
    }
    auto bytes = volume_->ReadFile(*f);
    if (!bytes.ok()) return bytes.status();
    return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  }
  absl::StatusOr<std::string> Sha256(const std::string& path) override {
    auto f = Find(path);
    if (!f.ok()) return absl::NotFoundError("missing from the media");
    device::Sha256 sha;
    uint64_t left = f->size;
    if (left == 0) return sha.FinalHex();
    auto chain = volume_->Chain(f->first_cluster);
    if (!chain.ok()) return chain.status();
    const uint64_t cluster_bytes = volume_->geometry().cluster_bytes();
    size_t i = 0;
    while (left > 0 && i < chain->size()) {
      // Coalesce contiguous clusters into one read.
      size_t j = i + 1;
      while (j < chain->size() && (*chain)[j] == (*chain)[j - 1] + 1 &&
             (j - i) * cluster_bytes < kChunk * 8)
        ++j;
      uint64_t n = std::min<uint64_t>(left, (j - i) * cluster_bytes);
      auto s = ReadRange(volume_->target(), volume_->ClusterOffset((*chain)[i]), n,
                         [&](std::span<const std::byte> b) { sha.Update(b); });
      if (!s.ok()) return s;
      left -= n;
      i = j;
    }
    if (left > 0) return absl::DataLossError("the cluster chain is shorter than the file");
    return sha.FinalHex();
  }

 private:
  absl::StatusOr<fat32::FatFileInfo> Find(const std::string& path) {
    auto f = volume_->Stat(absl::StrCat("/", Normalize(path)));
    if (!f.ok()) return absl::NotFoundError(absl::StrCat(path, ": not on the media"));
    if (f->is_dir) return absl::NotFoundError(absl::StrCat(path, ": a directory"));
    return f;
  }
  std::unique_ptr<fat32::FatVolume> volume_;
};

bool IsIso(device::Target& target) {
  std::vector<std::byte> pvd(6);
  if (target.size() < 32768 + 2048) return false;
  if (!device::ReadFully(target, pvd, 32768).ok()) return false;
  return std::memcmp(pvd.data() + 1, "CD001", 5) == 0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MediaFiles>> MediaFiles::Open(device::Target& target) {
  if (IsIso(target)) {
    auto iso = iso9660::OpenIso(target);
    if (!iso.ok()) return iso.status();
    return std::unique_ptr<MediaFiles>(new IsoFiles(target, std::move(*iso)));
  }
  if (auto fat = fat32::OpenFatVolume(target, 0); fat.ok()) {
    return std::unique_ptr<MediaFiles>(new FatFiles(std::move(*fat)));
  }
  auto table = device::ReadPartitionTable(target.path());
  if (!table.ok()) return table.status();
  for (const auto& p : table->partitions) {
    if (auto fat = fat32::OpenFatVolume(target, p.offset); fat.ok()) {
      return std::unique_ptr<MediaFiles>(new FatFiles(std::move(*fat)));
    }
  }
  return absl::NotFoundError(absl::StrCat(
      target.path(), ": neither an ISO9660 volume nor a FAT volume (whole or in a partition)"));
}

}  // namespace mediaforge::media
