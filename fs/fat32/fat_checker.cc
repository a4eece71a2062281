#include "fs/fat32/fat_checker.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "device/partition_on_disk.h"
#include "fs/fat32/dir_builder.h"
#include "fs/fat32/long_names.h"
#include "fs/fat32/on_disk.h"

namespace mediaforge::fat32 {
namespace {

constexpr size_t kMaxListed = 20;  // per kind of problem; the rest are counted

class Checker {
 public:
  Checker(device::Target& target, FatVolume& volume, std::vector<Problem>& problems)
      : target_(target), v_(volume), g_(volume.geometry()), problems_(problems) {}

  absl::Status Run(const std::vector<std::byte>& boot) {
    if (auto s = CheckBootArea(boot); !s.ok()) return s;
    if (auto s = CompareFats(); !s.ok()) return s;
    auto fat = v_.Fat();
    if (!fat.ok()) return fat.status();
    fat_ = *fat;
    used_.assign(fat_->size(), false);
    CheckReservedEntries();
    if (auto s = WalkTree(boot); !s.ok()) return s;
    CheckLostAndFree(boot);
    return absl::OkStatus();
  }

 private:
  void Add(std::string where, std::optional<uint64_t> offset, std::string what) {
    problems_.push_back({std::move(where), offset, std::move(what)});
  }
  uint64_t FatEntryOffset(uint32_t cluster) const {
    return g_.device_offset + g_.fat_offset(0) + uint64_t{cluster} * g_.bits_per_entry() / 8;
  }

  absl::Status CheckBootArea(const std::vector<std::byte>& boot) {
    const uint64_t off = g_.device_offset;
    if (!device::HasBootSignature(boot)) {
      Add("boot sector", off + 510, "no 0x55AA signature at byte 510");
    }
    if (off + g_.volume_bytes() > target_.size()) {
      Add("boot sector", off + 32,
          absl::StrCat("volume of ", g_.volume_bytes(), " bytes runs past the end of ",
                       target_.path(), " (", target_.size() - off,
                       " bytes from the volume start)"));
    }
    if (g_.type == FatType::kFat32 && g_.cluster_count < kFat32MinClusters) {
      Add("boot sector", off + 36,
          absl::StrCat("FAT32 layout with only ", g_.cluster_count,
                       " clusters (readers that go by the count see FAT16)"));
    }
    if (g_.type != FatType::kFat32) return absl::OkStatus();
    Fat32BootSector bs;
    std::memcpy(&bs, boot.data(), sizeof bs);
    const uint32_t bps = g_.bytes_per_sector;
    if (bs.backup_boot == 0 || bs.backup_boot >= g_.reserved_sectors) {
      Add("boot sector", off + 50,
          absl::StrCat("no usable backup boot sector (", bs.backup_boot, ")"));
    } else {
      std::vector<std::byte> backup(bps);
      const uint64_t at = off + uint64_t{bs.backup_boot} * bps;
      if (auto s = device::ReadFully(target_, backup, at); !s.ok()) return s;
      auto mismatch = std::mismatch(boot.begin(), boot.end(), backup.begin());
      if (mismatch.first != boot.end()) {
        const uint64_t i = static_cast<uint64_t>(mismatch.first - boot.begin());
        Add("backup boot sector", at + i, absl::StrCat("differs from the boot sector at byte ", i));
      }
    }
    if (bs.fs_info == 0 || bs.fs_info >= g_.reserved_sectors) {
      Add("boot sector", off + 48, absl::StrCat("no usable FSInfo sector (", bs.fs_info, ")"));
      return absl::OkStatus();
    }
    std::vector<std::byte> sector(512);
    const uint64_t at = off + uint64_t{bs.fs_info} * bps;
    if (auto s = device::ReadFully(target_, sector, at); !s.ok()) return s;
    std::memcpy(&fsinfo_, sector.data(), sizeof fsinfo_);
    fsinfo_offset_ = at;
    if (fsinfo_.lead_signature != FsInfoSector::kLeadSignature ||
        fsinfo_.struct_signature != FsInfoSector::kStructSignature ||
        fsinfo_.trail_signature != FsInfoSector::kTrailSignature) {
      Add("FSInfo", at, "signatures are wrong");
      fsinfo_offset_.reset();
    }
    if (bs.root_cluster < 2 || bs.root_cluster > g_.max_cluster()) {
      Add("boot sector", off + 44, absl::StrCat("root cluster ", bs.root_cluster, " out of range"));
    }
    return absl::OkStatus();
  }

  absl::Status CompareFats() {
    const uint64_t bytes = g_.fat_bytes();
    const uint64_t chunk = 4u << 20;
    std::vector<std::byte> a, b;
    for (uint32_t i = 1; i < g_.num_fats; ++i) {
      for (uint64_t pos = 0; pos < bytes; pos += chunk) {
        const uint64_t n = std::min(chunk, bytes - pos);
        a.resize(n);
        b.resize(n);
        const uint64_t at0 = g_.device_offset + g_.fat_offset(0) + pos;
        const uint64_t ati = g_.device_offset + g_.fat_offset(i) + pos;
        if (auto s = device::ReadFully(target_, a, at0); !s.ok()) return s;
        if (auto s = device::ReadFully(target_, b, ati); !s.ok()) return s;
        auto m = std::mismatch(a.begin(), a.end(), b.begin());
        if (m.first != a.end()) {
          const uint64_t byte = pos + static_cast<uint64_t>(m.first - a.begin());
          Add(absl::StrCat("FAT ", i + 1), ati + (byte - pos),
              absl::StrCat("differs from FAT 1 at byte ", byte, " (the entry of cluster ",
                           byte * 8 / g_.bits_per_entry(), ")"));
          break;
        }
      }
    }
    return absl::OkStatus();
  }

  void CheckReservedEntries() {
    if (((*fat_)[0] & 0xFF) != 0xF8 && ((*fat_)[0] & 0xFF) < 0xF0) {
      Add("FAT", FatEntryOffset(0), "entry 0 does not hold the media byte");
    }
    if (g_.type == FatType::kFat32 && ((*fat_)[1] & 0x08000000) == 0) {
      Add("FAT", FatEntryOffset(1), "volume marked dirty (not cleanly unmounted)");
    }
  }

  // Marks the chain of `path` and checks it: range, free/bad entries, loops, cross-links and
  // (files) the length the size needs. Returns the chain (possibly cut at the first problem).
  std::vector<uint32_t> FollowChain(const std::string& path, uint32_t first, bool is_dir,
                                    uint64_t size, uint64_t entry_offset) {
    std::vector<uint32_t> chain;
    const uint64_t cb = g_.cluster_bytes();
    if (first == 0) {
      if (is_dir || size > 0) {
        Add(path, entry_offset,
            is_dir ? "directory without a first cluster"
                   : absl::StrCat("file of ", size, " bytes has no clusters"));
      }
      return chain;
    }
    uint32_t c = first;
    while (true) {
      if (c < 2 || c > g_.max_cluster()) {
        Add(path, chain.empty() ? entry_offset : FatEntryOffset(chain.back()),
            absl::StrCat("chain points to cluster ", c, ", out of range 2..", g_.max_cluster()));
        break;
      }
      if (used_[c]) {
        bool loop = std::find(chain.begin(), chain.end(), c) != chain.end();
        Add(path, chain.empty() ? entry_offset : FatEntryOffset(chain.back()),
            loop ? absl::StrCat("chain loops back to cluster ", c)
                 : absl::StrCat("cluster ", c, " is cross-linked (already used by another chain)"));
        break;
      }
      used_[c] = true;
      chain.push_back(c);
      const uint32_t next = (*fat_)[c];
      if (g_.IsEndOfChain(next)) break;
      if (next == 0 || next == g_.bad_cluster()) {
        Add(path, FatEntryOffset(c),
            absl::StrCat("cluster ", c, " in the chain is marked ", next == 0 ? "free" : "bad"));
        break;
      }
      c = next;
    }
    if (!is_dir) {
      const uint64_t need = (size + cb - 1) / cb;
      if (chain.size() != need) {
        Add(path, entry_offset,
            absl::StrCat("size ", size, " needs ", need, " clusters but the chain has ",
                         chain.size()));
      }
    }
    return chain;
  }

  absl::Status WalkTree(const std::vector<std::byte>& boot) {
    uint32_t root = 0;
    if (g_.type == FatType::kFat32) {
      Fat32BootSector bs;
      std::memcpy(&bs, boot.data(), sizeof bs);
      root = bs.root_cluster;
      root_cluster_ = root;
      if (FollowChain("/", root, true, 0, g_.device_offset + 44).empty()) return absl::OkStatus();
    }
    struct Todo {
      std::string path;
      uint32_t cluster;  // 0: FAT12/16 root
      uint32_t parent;   // cluster ".." must hold (0 for the root's children)
    };
    std::vector<Todo> todo = {{"/", g_.type == FatType::kFat32 ? root : 0, 0}};
    while (!todo.empty()) {
      Todo d = std::move(todo.back());
      todo.pop_back();
      const bool is_root = d.path == "/";
      auto entries = v_.ReadDirectory(d.path, is_root ? 0 : d.cluster, &problems_);
      if (!entries.ok()) {
        Add(d.path, std::nullopt, std::string(entries.status().message()));
        continue;
      }
      if (!is_root) CheckDotEntries(d.path, d.cluster, d.parent);
      std::set<std::u16string> names;
      for (const FatFileInfo& e : *entries) {
        const std::string name = e.path.substr(e.path.rfind('/') + 1);
        auto folded = Utf8ToUtf16(name);
        if (folded && !names.insert(Upcase(*folded)).second) {
          Add(e.path, e.entry_offset, "name appears twice in its directory (case ignored)");
        }
        auto chain = FollowChain(e.path, e.first_cluster, e.is_dir, e.size, e.entry_offset);
        if (e.is_dir && !chain.empty() && chain.front() == e.first_cluster) {
          todo.push_back({e.path, e.first_cluster, is_root ? 0 : d.cluster});
        }
      }
    }
    return absl::OkStatus();
  }

  void CheckDotEntries(const std::string& path, uint32_t cluster, uint32_t parent) {
    DirEntry dot[2];
    const uint64_t at = v_.ClusterOffset(cluster);
    if (!device::ReadFully(target_, std::as_writable_bytes(std::span(dot)), at).ok()) return;
    const uint32_t root_cluster = root_cluster_;
    if (std::memcmp(dot[0].name, ".          ", 11) != 0 ||
        (dot[0].attributes & DirEntry::kDirectory) == 0 || dot[0].first_cluster() != cluster) {
      Add(path, at, "first entry is not a '.' entry pointing at the directory itself");
    }
    const uint32_t dd = dot[1].first_cluster();
    if (std::memcmp(dot[1].name, "..         ", 11) != 0 ||
        (dot[1].attributes & DirEntry::kDirectory) == 0 ||
        !(dd == parent || (parent == 0 && dd == root_cluster))) {
      Add(path, at + 32,
          absl::StrCat("second entry is not a '..' entry pointing at the parent (", parent, ")"));
    }
  }

  void CheckLostAndFree(const std::vector<std::byte>& boot) {
    uint64_t free = 0, lost = 0;
    uint32_t first_free = 0;
    for (uint32_t c = 2; c <= g_.max_cluster(); ++c) {
      const uint32_t v = (*fat_)[c];
      if (v == 0) {
        ++free;
        if (first_free == 0) first_free = c;
      } else if (v != g_.bad_cluster() && !used_[c]) {
        if (++lost <= kMaxListed) {
          Add("FAT", FatEntryOffset(c),
              absl::StrCat("cluster ", c, " is allocated but belongs to no file (lost)"));
        }
      }
    }
    if (lost > kMaxListed) {
      Add("FAT", std::nullopt, absl::StrCat(lost, " lost clusters in all"));
    }
    if (g_.type != FatType::kFat32 || !fsinfo_offset_) return;
    if (fsinfo_.free_count != FsInfoSector::kUnknown && fsinfo_.free_count != free) {
      Add("FSInfo", *fsinfo_offset_ + 488,
          absl::StrCat("free count says ", fsinfo_.free_count, " clusters, the FAT has ", free));
    }
    if (fsinfo_.next_free != FsInfoSector::kUnknown &&
        (fsinfo_.next_free < 2 || fsinfo_.next_free > g_.max_cluster())) {
      Add("FSInfo", *fsinfo_offset_ + 492,
          absl::StrCat("next free cluster ", fsinfo_.next_free, " is out of range"));
    }
    (void)boot;
    (void)first_free;
  }

  device::Target& target_;
  FatVolume& v_;
  const Geometry& g_;
  std::vector<Problem>& problems_;
  const std::vector<uint32_t>* fat_ = nullptr;
  std::vector<bool> used_;
  FsInfoSector fsinfo_{};
  std::optional<uint64_t> fsinfo_offset_;
  uint32_t root_cluster_ = 0;  // FAT32
};

}  // namespace

absl::StatusOr<std::vector<Problem>> CheckFatVolume(device::Target& target, uint64_t offset) {
  std::vector<Problem> problems;
  std::vector<std::byte> first(512);
  if (auto s = device::ReadFully(target, first, offset); !s.ok()) return s;
  auto g = ParseBootSector(first, offset);
  if (!g.ok()) {
    problems.push_back({"boot sector", offset, std::string(g.status().message())});
    return problems;
  }
  std::vector<std::byte> boot(g->bytes_per_sector);
  if (auto s = device::ReadFully(target, boot, offset); !s.ok()) return s;
  auto volume = OpenFatVolume(target, offset);
  if (!volume.ok()) return volume.status();
  Checker checker(target, **volume, problems);
  if (auto s = checker.Run(boot); !s.ok()) {
    // A volume that claims more than the target holds is a finding, not an I/O failure.
    if (!absl::IsOutOfRange(s)) return s;
    problems.push_back({"volume", std::nullopt, std::string(s.message())});
  }
  return problems;
}

}  // namespace mediaforge::fat32
