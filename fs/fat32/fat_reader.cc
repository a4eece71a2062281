#include "fs/fat32/fat_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "device/errors.h"
#include "fs/fat32/dir_builder.h"
#include "fs/fat32/long_names.h"
#include "fs/fat32/on_disk.h"
#include "fs/fat32/short_names.h"

namespace mediaforge::fat32 {
namespace {

constexpr uint64_t kReadChunk = 4u << 20;

std::string Trimmed(const char* p, size_t n) {
  std::string s(p, n);
  s.erase(s.find_last_not_of(' ') == std::string::npos ? 0 : s.find_last_not_of(' ') + 1);
  return s;
}

bool SameName(const std::string& a, const std::string& b) {
  auto ua = Utf8ToUtf16(a), ub = Utf8ToUtf16(b);
  return ua && ub && Upcase(*ua) == Upcase(*ub);
}

}  // namespace

std::optional<std::string> NotAFatBootSector(std::span<const std::byte> sector) {
  if (sector.size() < 512) return "boot sector shorter than 512 bytes";
  BiosParameterBlock bpb;
  std::memcpy(&bpb, sector.data(), sizeof bpb);
  if (!(bpb.jump[0] == 0xEB && bpb.jump[2] == 0x90) && bpb.jump[0] != 0xE9) {
    return "no jump instruction at byte 0";
  }
  const uint32_t bps = bpb.bytes_per_sector;
  if (bps < 512 || bps > 4096 || !std::has_single_bit(bps)) {
    return absl::StrCat("bytes per sector is ", bps);
  }
  if (bpb.sectors_per_cluster == 0 || !std::has_single_bit(bpb.sectors_per_cluster)) {
    return absl::StrCat("sectors per cluster is ", bpb.sectors_per_cluster);
  }
  return std::nullopt;
}

absl::StatusOr<Geometry> ParseBootSector(std::span<const std::byte> sector,
                                         uint64_t device_offset) {
  if (sector.size() < 512) return absl::InvalidArgumentError("boot sector shorter than 512 bytes");
  BiosParameterBlock bpb;
  std::memcpy(&bpb, sector.data(), sizeof bpb);
  auto fail = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat("no FAT volume at byte offset ", device_offset, ": ", why));
  };
  if (auto why = NotAFatBootSector(sector)) return fail(*why);
  const uint32_t bps = bpb.bytes_per_sector;
  if (bpb.reserved_sectors == 0) return fail("no reserved sectors");
  if (bpb.num_fats == 0) return fail("no FAT");
  Geometry g;
  g.bytes_per_sector = bps;
  g.sectors_per_cluster = bpb.sectors_per_cluster;
  g.reserved_sectors = bpb.reserved_sectors;
  g.num_fats = bpb.num_fats;
  g.hidden_sectors = bpb.hidden_sectors;
  g.device_offset = device_offset;
  g.total_sectors = bpb.total_sectors16 != 0 ? bpb.total_sectors16 : bpb.total_sectors32;
  g.root_entries = bpb.root_entries;
  g.root_dir_sectors = (bpb.root_entries * 32 + bps - 1) / bps;
  bool fat32_layout = bpb.fat_size16 == 0;
  if (fat32_layout) {
    Fat32BootSector bs;
    std::memcpy(&bs, sector.data(), sizeof bs);
    g.fat_sectors = bs.fat_size32;
  } else {
    g.fat_sectors = bpb.fat_size16;
  }
  if (g.fat_sectors == 0) return fail("FAT size is 0");
  const uint64_t meta =
      uint64_t{g.reserved_sectors} + uint64_t{g.num_fats} * g.fat_sectors + g.root_dir_sectors;
  if (meta >= g.total_sectors) {
    return fail(absl::StrCat("metadata (", meta, " sectors) fills the volume (", g.total_sectors,
                             " sectors)"));
  }
  g.cluster_count = static_cast<uint32_t>((g.total_sectors - meta) / g.sectors_per_cluster);
  g.type = fat32_layout ? FatType::kFat32 : TypeForClusterCount(g.cluster_count);
  if (g.type == FatType::kFat32 && !fat32_layout) g.type = FatType::kFat16;
  // Never index past the FAT, whatever the cluster count says.
  const uint64_t entries = uint64_t{g.fat_sectors} * bps * 8 / g.bits_per_entry();
  if (entries < uint64_t{g.cluster_count} + 2) {
    g.cluster_count = static_cast<uint32_t>(entries >= 2 ? entries - 2 : 0);
  }
  return g;
}

absl::StatusOr<std::vector<uint32_t>> ReadFat(device::Target& target, const Geometry& g,
                                              uint32_t index) {
  const uint64_t count = uint64_t{g.cluster_count} + 2;
  const uint64_t bytes = (count * g.bits_per_entry() + 7) / 8;
  const uint64_t base = g.device_offset + g.fat_offset(index);
  std::vector<uint32_t> out(count);
  if (g.type == FatType::kFat32) {
    auto span = std::as_writable_bytes(std::span(out));
    for (uint64_t pos = 0; pos < bytes; pos += kReadChunk) {
      uint64_t n = std::min(kReadChunk, bytes - pos);
      if (auto s = device::ReadFully(target, span.subspan(pos, n), base + pos); !s.ok()) return s;
    }
    for (auto& v : out) v &= kFat32EntryMask;
    return out;
  }
  std::vector<std::byte> raw(bytes + 1);
  if (auto s = device::ReadFully(target, std::span(raw).first(bytes), base); !s.ok()) return s;
  const auto* r = reinterpret_cast<const uint8_t*>(raw.data());
  for (uint64_t n = 0; n < count; ++n) {
    if (g.type == FatType::kFat16) {
      out[n] = r[2 * n] | (r[2 * n + 1] << 8);
    } else {
      const uint64_t o = n * 3 / 2;
      const uint32_t v = r[o] | (r[o + 1] << 8);
      out[n] = (n & 1) ? v >> 4 : v & 0xFFF;
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<FatVolume>> FatVolume::Open(device::Target& target,
                                                           uint64_t offset) {
  std::vector<std::byte> sector(512);
  if (auto s = device::ReadFully(target, sector, offset); !s.ok()) return s;
  auto g = ParseBootSector(sector, offset);
  if (!g.ok()) {
    return absl::Status(g.status().code(), absl::StrCat(target.path(), ": ", g.status().message()));
  }
  std::unique_ptr<FatVolume> v(new FatVolume(target, *g));
  if (g->type == FatType::kFat32) {
    Fat32BootSector bs;
    std::memcpy(&bs, sector.data(), sizeof bs);
    v->volume_id_ = bs.volume_id;
    v->label_ = Trimmed(bs.volume_label, 11);
  } else {
    Fat16BootSector bs;
    std::memcpy(&bs, sector.data(), sizeof bs);
    v->volume_id_ = bs.volume_id;
    v->label_ = Trimmed(bs.volume_label, 11);
  }
  if (v->label_ == "NO NAME") v->label_.clear();
  return v;
}

absl::StatusOr<std::unique_ptr<FatVolume>> OpenFatVolume(device::Target& target, uint64_t offset) {
  return FatVolume::Open(target, offset);
}

absl::StatusOr<const std::vector<uint32_t>*> FatVolume::Fat() {
  if (!fat_) {
    auto f = ReadFat(target_, geometry_, 0);
    if (!f.ok()) return f.status();
    fat_ = std::move(*f);
  }
  return &*fat_;
}

absl::StatusOr<std::vector<uint32_t>> FatVolume::Chain(uint32_t first) {
  auto fat = Fat();
  if (!fat.ok()) return fat.status();
  std::vector<uint32_t> chain;
  uint32_t c = first;
  while (true) {
    if (c < 2 || c > geometry_.max_cluster()) {
      return absl::DataLossError(
          absl::StrCat(target_.path(), ": cluster ", c, " in the chain from cluster ", first,
                       " is out of range (2..", geometry_.max_cluster(), ")"));
    }
    if (chain.size() > geometry_.cluster_count) {
      return absl::DataLossError(
          absl::StrCat(target_.path(), ": the chain from cluster ", first, " loops"));
    }
    chain.push_back(c);
    const uint32_t next = (**fat)[c];
    if (geometry_.IsEndOfChain(next)) break;
    if (next == 0 || next == geometry_.bad_cluster()) {
      return absl::DataLossError(absl::StrCat(target_.path(), ": cluster ", c,
                                              " in the chain from cluster ", first, " is ",
                                              next == 0 ? "marked free" : "marked bad"));
    }
    c = next;
  }
  return chain;
}

template <typename Fn>
absl::Status FatVolume::ForEachRun(uint32_t first, uint64_t bytes, const std::string& what, Fn fn) {
  if (bytes == 0) return absl::OkStatus();
  auto chain = Chain(first);
  if (!chain.ok()) return chain.status();
  const uint64_t cb = geometry_.cluster_bytes();
  if (chain->size() * cb < bytes) {
    return absl::DataLossError(absl::StrCat(target_.path(), ": ", what, " holds ", bytes,
                                            " bytes but its chain has only ", chain->size(),
                                            " clusters"));
  }
  size_t i = 0;
  uint64_t left = bytes;
  while (left > 0) {
    size_t j = i + 1;
    while (j < chain->size() && (*chain)[j] == (*chain)[j - 1] + 1) ++j;
    const uint64_t len = std::min<uint64_t>(left, (j - i) * cb);
    if (auto s = fn(ClusterOffset((*chain)[i]), len); !s.ok()) return s;
    left -= len;
    i = j;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint32_t>> FatVolume::DirectoryClusters(uint32_t first_cluster) {
  if (first_cluster == 0 && geometry_.type != FatType::kFat32) return std::vector<uint32_t>{};
  if (first_cluster == 0) {
    Fat32BootSector bs;
    std::vector<std::byte> sector(512);
    if (auto s = device::ReadFully(target_, sector, geometry_.device_offset); !s.ok()) return s;
    std::memcpy(&bs, sector.data(), sizeof bs);
    first_cluster = bs.root_cluster;
  }
  return Chain(first_cluster);
}

absl::StatusOr<std::vector<std::byte>> FatVolume::ReadDirectoryBytes(
    uint32_t first_cluster, std::vector<uint64_t>* cluster_offsets) {
  std::vector<std::byte> out;
  if (first_cluster == 0 && geometry_.type != FatType::kFat32) {
    const uint64_t off = geometry_.device_offset + geometry_.root_dir_offset();
    out.resize(uint64_t{geometry_.root_dir_sectors} * geometry_.bytes_per_sector);
    if (auto s = device::ReadFully(target_, out, off); !s.ok()) return s;
    if (cluster_offsets) *cluster_offsets = {off};
    return out;
  }
  auto chain = DirectoryClusters(first_cluster);
  if (!chain.ok()) return chain.status();
  const uint64_t cb = geometry_.cluster_bytes();
  if (chain->size() > kMaxDirEntries * 32 / cb + 1) {
    return absl::DataLossError(absl::StrCat(target_.path(), ": directory at cluster ",
                                            first_cluster, " has ", chain->size(),
                                            " clusters, more than FAT allows"));
  }
  out.resize(chain->size() * cb);
  if (cluster_offsets) cluster_offsets->clear();
  for (size_t i = 0; i < chain->size();) {
    size_t j = i + 1;  // one read per run of consecutive clusters
    while (j < chain->size() && (*chain)[j] == (*chain)[j - 1] + 1) ++j;
    for (size_t k = i; k < j && cluster_offsets; ++k) {
      cluster_offsets->push_back(ClusterOffset((*chain)[k]));
    }
    auto run = std::span(out).subspan(i * cb, (j - i) * cb);
    if (auto s = device::ReadFully(target_, run, ClusterOffset((*chain)[i])); !s.ok()) return s;
    i = j;
  }
  return out;
}

absl::StatusOr<std::vector<FatFileInfo>> FatVolume::ReadDirectory(const std::string& dir_path,
                                                                  uint32_t first_cluster,
                                                                  std::vector<Problem>* problems) {
  std::vector<uint64_t> offsets;
  auto bytes = ReadDirectoryBytes(first_cluster, &offsets);
  if (!bytes.ok()) return bytes.status();
  const uint64_t unit = offsets.size() == 1 ? bytes->size() : geometry_.cluster_bytes();
  auto device_offset = [&](size_t pos) { return offsets[pos / unit] + pos % unit; };
  auto report = [&](size_t pos, std::string what) {
    if (problems) problems->push_back({dir_path, device_offset(pos), std::move(what)});
  };
  std::vector<FatFileInfo> out;
  LfnAssembler lfn;
  const std::string prefix = dir_path == "/" ? "/" : dir_path + "/";
  for (size_t pos = 0; pos + 32 <= bytes->size(); pos += 32) {
    DirEntry e;
    std::memcpy(&e, bytes->data() + pos, 32);
    const auto first = static_cast<uint8_t>(e.name[0]);
    if (first == 0x00) break;
    if (first == DirEntry::kFreeMarker) {
      if (lfn.pending()) report(pos, "long-name entries followed by a deleted entry");
      lfn.Reset();
      continue;
    }
    if ((e.attributes & DirEntry::kLongNameMask) == DirEntry::kLongName) {
      LfnEntry l;
      std::memcpy(&l, &e, 32);
      if (auto why = lfn.Add(l)) report(pos, *why);
      continue;
    }
    ShortName sn;
    std::memcpy(sn.data(), e.name, 11);
    std::string problem;
    auto long_name = lfn.Take(sn, &problem);
    if (!problem.empty()) report(pos, problem);
    if (e.attributes & DirEntry::kVolumeId) continue;
    if (e.name[0] == '.') continue;  // "." and ".."
    FatFileInfo f;
    f.short_name = ShortNameToString(sn, e.nt_reserved);
    f.has_long_name = long_name.has_value();
    f.path = prefix + (long_name ? Utf16ToUtf8(*long_name) : f.short_name);
    f.is_dir = (e.attributes & DirEntry::kDirectory) != 0;
    f.attributes = e.attributes;
    f.first_cluster = e.first_cluster();
    f.size = f.is_dir ? 0 : e.file_size;
    f.mtime = DecodeTimestamp(e.write_date, e.write_time);
    f.entry_offset = device_offset(pos);
    out.push_back(std::move(f));
  }
  return out;
}

absl::StatusOr<std::vector<FatFileInfo>> FatVolume::List() {
  std::vector<FatFileInfo> out;
  std::vector<std::pair<std::string, uint32_t>> todo = {{"/", 0}};
  // Each directory is read once and owns its clusters: an entry leading back to a directory
  // already read (a loop) or into its clusters (a cross-link) is an error. Without this a small
  // hostile volume whose directories list one another made List() read without end
  // (fuzz/regressions/fat_volume_fuzzer/, tests/fat32/hostile_volume_test.cc).
  std::unordered_set<uint32_t> directory_clusters;
  size_t guard = 0;
  while (!todo.empty()) {
    auto [path, cluster] = todo.back();
    todo.pop_back();
    if (cluster == 0 && path != "/") {
      return absl::DataLossError(
          absl::StrCat(target_.path(), ": directory ", path, " points back at the root"));
    }
    auto clusters = DirectoryClusters(cluster);
    if (!clusters.ok()) return clusters.status();
    for (uint32_t c : *clusters) {
      if (!directory_clusters.insert(c).second) {
        return absl::DataLossError(absl::StrCat(target_.path(), ": directory ", path,
                                                " reaches cluster ", c,
                                                ", which another directory already holds (a "
                                                "directory loop or cross-link)"));
      }
    }
    auto entries = ReadDirectory(path, cluster, nullptr);
    if (!entries.ok()) return entries.status();
    if (++guard > geometry_.cluster_count + 1) {
      return absl::DataLossError(absl::StrCat(target_.path(), ": directory tree loops"));
    }
    for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
      if (it->is_dir) todo.emplace_back(it->path, it->first_cluster);
    }
    for (auto& e : *entries) out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<FatFileInfo> FatVolume::Stat(const std::string& path) {
  FatFileInfo cur;
  cur.path = "/";
  cur.is_dir = true;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (!cur.is_dir) break;
    auto entries = ReadDirectory(cur.path, cur.first_cluster, nullptr);
    if (!entries.ok()) return entries.status();
    bool found = false;
    for (auto& e : *entries) {
      std::string name = e.path.substr(e.path.rfind('/') + 1);
      if (SameName(name, std::string(part)) || SameName(e.short_name, std::string(part))) {
        cur = std::move(e);
        found = true;
        break;
      }
    }
    if (!found) {
      return absl::NotFoundError(absl::StrCat(target_.path(), ": no '", path, "' in the volume"));
    }
  }
  return cur;
}

absl::StatusOr<std::vector<std::byte>> FatVolume::ReadFile(const FatFileInfo& file) {
  std::vector<std::byte> out(file.size);
  uint64_t pos = 0;
  auto s = ForEachRun(file.first_cluster, file.size, file.path, [&](uint64_t off, uint64_t len) {
    auto r = device::ReadFully(target_, std::span(out).subspan(pos, len), off);
    pos += len;
    return r;
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status FatVolume::Extract(const FatFileInfo& file, const std::string& dest) {
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return device::ErrnoError(errno, "create", dest, std::nullopt);
  std::vector<std::byte> buf;
  uint64_t pos = 0;
  auto s = ForEachRun(file.first_cluster, file.size, file.path, [&](uint64_t off, uint64_t len) {
    for (uint64_t done = 0; done < len;) {
      const uint64_t n = std::min(kReadChunk, len - done);
      buf.resize(n);
      if (auto r = device::ReadFully(target_, buf, off + done); !r.ok()) return r;
      if (::pwrite(fd, buf.data(), n, static_cast<off_t>(pos)) != static_cast<ssize_t>(n)) {
        return device::ErrnoError(errno, "write", dest, pos);
      }
      pos += n;
      done += n;
    }
    return absl::OkStatus();
  });
  struct timespec times[2] = {{file.mtime, 0}, {file.mtime, 0}};
  ::futimens(fd, times);
  if (::close(fd) != 0 && s.ok()) s = device::ErrnoError(errno, "close", dest, std::nullopt);
  return s;
}

absl::Status FatVolume::ExtractAll(const std::string& dest_dir) {
  auto entries = List();
  if (!entries.ok()) return entries.status();
  std::error_code ec;
  std::filesystem::create_directories(dest_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(dest_dir, ": ", ec.message()));
  for (const auto& e : *entries) {
    const std::string dest = dest_dir + e.path;
    if (e.is_dir) {
      if (::mkdir(dest.c_str(), 0755) != 0 && errno != EEXIST) {
        return device::ErrnoError(errno, "mkdir", dest, std::nullopt);
      }
    } else if (auto s = Extract(e, dest); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace mediaforge::fat32
