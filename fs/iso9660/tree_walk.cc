// Walking a directory hierarchy (ECMA-119 9.1 records, 6.8 directories) breadth first, decoding
// Rock Ridge (SUSP 1.12 / RRIP 1.12) System Use entries, following CE continuation areas, and
// assembling multi-extent files. Every field is bounds-checked; problems are reported, not fatal.
#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "fs/iso9660/names.h"
#include "fs/iso9660/reader_internal.h"

namespace mediaforge::iso9660::internal {
namespace {

constexpr int kMaxContinuations = 32;

struct RockRidgeInfo {
  std::string name;
  bool has_name = false;
  std::optional<uint32_t> mode;
  std::vector<std::string> link_components;
  bool link_absolute = false;
  bool has_link = false;
  bool link_component_open = false;
  std::optional<int64_t> mtime;
  bool relocated = false;              // RE: listed through its CL entry instead
  std::optional<uint32_t> child_link;  // CL: the directory really lives there
  std::string SymlinkTarget() const {
    std::string t = link_absolute ? "/" : "";
    for (size_t i = 0; i < link_components.size(); ++i) {
      if (i > 0) t += '/';
      t += link_components[i];
    }
    return t;
  }
};

uint32_t Le32At(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void ParseSl(const std::byte* e, size_t len, RockRidgeInfo& info) {
  info.has_link = true;
  size_t pos = 5;
  while (pos + 2 <= len) {
    uint8_t flags = static_cast<uint8_t>(e[pos]);
    size_t clen = static_cast<uint8_t>(e[pos + 1]);
    if (pos + 2 + clen > len) break;
    std::string content(reinterpret_cast<const char*>(e + pos + 2), clen);
    if (flags & 0x08) {
      info.link_absolute = true;
      info.link_components.clear();
    } else {
      std::string piece = (flags & 0x02) ? "." : (flags & 0x04) ? ".." : content;
      if (info.link_component_open && !info.link_components.empty()) {
        info.link_components.back() += piece;
      } else {
        info.link_components.push_back(piece);
      }
    }
    info.link_component_open = (flags & 0x01) != 0;
    pos += 2 + clen;
  }
}

void ParseTf(const std::byte* e, size_t len, RockRidgeInfo& info) {
  if (len < 5) return;
  uint8_t flags = static_cast<uint8_t>(e[4]);
  size_t size = (flags & 0x80) ? 17 : 7;
  size_t pos = 5;
  for (int bit = 0; bit < 7; ++bit) {
    if (!(flags & (1 << bit))) continue;
    if (pos + size > len) return;
    if (bit == 1 && size == 7) {  // MODIFY
      RecordingDateTime t;
      std::memcpy(&t, e + pos, sizeof t);
      info.mtime = ToUnixTime(t);
    }
    pos += size;
  }
}

// Decodes one System Use area and the continuation areas it points to.
void ParseSystemUse(ImageReader& reader, std::vector<std::byte> area, uint64_t area_offset,
                    RockRidgeInfo& info, std::vector<Problem>& problems, const std::string& where) {
  for (int hop = 0; hop <= kMaxContinuations; ++hop) {
    std::optional<std::pair<uint64_t, uint32_t>> next;
    size_t pos = 0;
    while (pos + 4 <= area.size()) {
      const std::byte* e = area.data() + pos;
      size_t len = static_cast<uint8_t>(e[2]);
      if (len < 4 || pos + len > area.size()) {
        problems.push_back({where, area_offset + pos,
                            absl::StrCat("System Use entry of length ", len, " does not fit")});
        break;
      }
      char sig[3] = {static_cast<char>(e[0]), static_cast<char>(e[1]), 0};
      std::string_view s(sig, 2);
      if (s == "ST") break;
      if (s == "CE" && len >= 28) {
        uint64_t block = Le32At(e + 4), offset = Le32At(e + 12), length = Le32At(e + 20);
        next = {block * kBlockSize + offset, static_cast<uint32_t>(length)};
      } else if (s == "NM" && len >= 5) {
        uint8_t flags = static_cast<uint8_t>(e[4]);
        if (!(flags & 0x06)) {
          info.name.append(reinterpret_cast<const char*>(e + 5), len - 5);
          info.has_name = true;
        }
      } else if (s == "PX" && len >= 12) {
        info.mode = Le32At(e + 4);
      } else if (s == "SL" && len >= 5) {
        ParseSl(e, len, info);
      } else if (s == "TF") {
        ParseTf(e, len, info);
      } else if (s == "RE") {
        info.relocated = true;
      } else if (s == "CL" && len >= 12) {
        info.child_link = Le32At(e + 4);
      }
      pos += len;
    }
    if (!next) return;
    if (next->second > 64 * 1024) {
      problems.push_back({where, area_offset, "CE continuation area longer than 64 KiB"});
      return;
    }
    auto more = reader.ReadRange(next->first, next->second);
    if (!more.ok()) {
      problems.push_back(
          {where, next->first, absl::StrCat("CE continuation area: ", more.status().message())});
      return;
    }
    area = std::move(*more);
    area_offset = next->first;
  }
  problems.push_back({where, area_offset, "more than 32 chained CE continuation areas"});
}

std::string DecodeName(const std::string& id, bool joliet) {
  std::string name = joliet ? Utf16BeToUtf8(id) : id;
  if (size_t semicolon = name.rfind(';'); semicolon != std::string::npos) name.resize(semicolon);
  if (!joliet && !name.empty() && name.back() == '.') name.pop_back();
  return name;
}

bool SafeName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

class Walker {
 public:
  Walker(ImageReader& reader, const WalkParams& p, std::vector<Problem>& problems)
      : reader_(reader), p_(p), problems_(problems) {}

  TreeWalk Run() {
    walk_.directories.push_back({p_.root.lba, p_.root.bytes, 0, std::string(1, '\0'), ""});
    visited_.insert(p_.root.lba);
    for (size_t i = 0; i < walk_.directories.size() && !full_; ++i) WalkDirectory(i);
    walk_.rock_ridge = rock_ridge_;
    return std::move(walk_);
  }

 private:
  bool ExtentInRange(uint64_t lba, uint64_t bytes) const {
    uint64_t end = lba * kBlockSize + bytes;
    return end <= reader_.size() &&
           (p_.volume_blocks == 0 || end <= uint64_t{p_.volume_blocks} * kBlockSize);
  }

  void WalkDirectory(size_t index) {
    const WalkedDirectory dir = walk_.directories[index];
    std::string where = absl::StrCat(p_.tree_name, " directory /", dir.path);
    uint64_t base = uint64_t{dir.lba} * kBlockSize;
    uint64_t bytes = (uint64_t{dir.bytes} + kBlockSize - 1) / kBlockSize * kBlockSize;
    if (bytes == 0 || !ExtentInRange(dir.lba, bytes) || bytes > kMaxLoad) {
      problems_.push_back({where, base,
                           absl::StrCat("directory extent of ", dir.bytes, " bytes at block ",
                                        dir.lba, " is empty or outside the image")});
      return;
    }
    auto data = reader_.ReadRange(base, bytes);
    if (!data.ok()) {
      problems_.push_back({where, base, std::string(data.status().message())});
      return;
    }
    size_t pos = 0, record_index = 0;
    std::string previous_id;
    while (pos < dir.bytes && !full_) {
      size_t in_block = pos % kBlockSize;
      size_t len = static_cast<uint8_t>((*data)[pos]);
      if (len == 0) {
        pos += kBlockSize - in_block;
        continue;
      }
      if (len < sizeof(DirectoryRecord) + 1 || in_block + len > kBlockSize ||
          pos + len > dir.bytes) {
        problems_.push_back({where, base + pos,
                             absl::StrCat("directory record of length ", len,
                                          len < 34 ? " is too short" : " crosses a block end")});
        pos += kBlockSize - in_block;
        continue;
      }
      DirectoryRecord rec;
      std::memcpy(&rec, data->data() + pos, sizeof rec);
      if (sizeof rec + rec.name_length > len) {
        problems_.push_back({where, base + pos, "file identifier runs past its record"});
        pos += len;
        continue;
      }
      std::string id(reinterpret_cast<const char*>(data->data() + pos + sizeof rec),
                     rec.name_length);
      size_t su_start = sizeof rec + rec.name_length + (rec.name_length % 2 == 0 ? 1 : 0);
      std::vector<std::byte> su;
      if (su_start + su_skip_ < len) {
        su.assign(data->begin() + pos + su_start + su_skip_, data->begin() + pos + len);
      }
      HandleRecord(dir, index, rec, id, su, base + pos, record_index, previous_id, where);
      if (record_index >= 2) previous_id = id;
      ++record_index;
      pos += len;
    }
    FlushPending(where);
  }

  void HandleRecord(const WalkedDirectory& dir, size_t index, const DirectoryRecord& rec,
                    const std::string& id, std::vector<std::byte>& su, uint64_t offset,
                    size_t record_index, const std::string& previous_id, const std::string& where) {
    if (p_.strict && (!rec.extent_lba.Consistent() || !rec.data_length.Consistent())) {
      problems_.push_back({where, offset + 2, "both-endian extent or length fields disagree"});
    }
    if (record_index == 0) {
      if (index == 0 && p_.rock_ridge) DetectSusp(su);
      if (p_.strict && (id != std::string(1, '\0') || rec.extent_lba.Get() != dir.lba)) {
        problems_.push_back({where, offset, "first record is not '.' pointing at itself"});
      }
      return;
    }
    if (record_index == 1) {
      if (p_.strict && id != std::string(1, '\1')) {
        problems_.push_back({where, offset, "second record is not '..'"});
      }
      return;
    }
    if (p_.strict && !previous_id.empty() && id != previous_id) {
      bool sorted =
          p_.joliet ? JolietIdentifierLess(previous_id, id) : IsoIdentifierLess(previous_id, id);
      if (!sorted) {
        problems_.push_back({where, offset, "records are not sorted by file identifier"});
      }
    }
    RockRidgeInfo rr;
    if (rock_ridge_) ParseSystemUse(reader_, std::move(su), offset, rr, problems_, where);
    if (rr.relocated) return;
    std::string name = rr.has_name ? rr.name : DecodeName(id, p_.joliet);
    if (!SafeName(name)) {
      problems_.push_back({where, offset, absl::StrCat("unusable file name '", name, "'")});
      return;
    }
    uint64_t lba = rec.extent_lba.Get(), length = rec.data_length.Get();
    if (rr.child_link) {
      lba = *rr.child_link;
      length = kBlockSize;  // the real size is in the relocated directory's "." record
    }
    std::string path = dir.path.empty() ? name : absl::StrCat(dir.path, "/", name);
    if ((rec.flags & kFlagDirectory) || rr.child_link) {
      FlushPending(where);
      AddDirectory(index, id, path, lba, length, rr, offset, where);
      return;
    }
    if (!ExtentInRange(lba, length)) {
      problems_.push_back({where, offset,
                           absl::StrCat("'", name, "': extent at block ", lba, " of ", length,
                                        " bytes lies outside the image")});
      return;
    }
    if (pending_ && pending_id_ == id) {
      pending_->extents.push_back({lba * kBlockSize, length});
      pending_->size += length;
    } else {
      FlushPending(where);
      IsoEntry e;
      e.path = path;
      e.record_offset = offset;
      e.mtime = rr.mtime.value_or(ToUnixTime(rec.recorded));
      e.mode = rr.mode.value_or(0100444);
      if (rr.has_link) {
        e.type = IsoEntry::Type::kSymlink;
        e.symlink_target = rr.SymlinkTarget();
      } else {
        e.extents.push_back({lba * kBlockSize, length});
        e.size = length;
      }
      pending_ = std::move(e);
      pending_id_ = id;
    }
    if (!(rec.flags & kFlagMultiExtent)) FlushPending(where);
  }

  void AddDirectory(size_t parent, const std::string& id, const std::string& path, uint64_t lba,
                    uint64_t length, const RockRidgeInfo& rr, uint64_t offset,
                    const std::string& where) {
    if (!visited_.insert(static_cast<uint32_t>(lba)).second) {
      problems_.push_back(
          {where, offset,
           absl::StrCat("directory '", path, "' at block ", lba, " was already visited (a loop)")});
      return;
    }
    if (!Count(where, offset)) return;
    IsoEntry e;
    e.path = path;
    e.type = IsoEntry::Type::kDirectory;
    e.record_offset = offset;
    e.mode = rr.mode.value_or(040555);
    e.mtime = rr.mtime.value_or(0);
    walk_.entries.push_back(std::move(e));
    walk_.directories.push_back(
        {static_cast<uint32_t>(lba), static_cast<uint32_t>(length), parent, id, path});
  }

  void FlushPending(const std::string& where) {
    if (!pending_) return;
    if (Count(where, pending_->record_offset)) walk_.entries.push_back(std::move(*pending_));
    pending_.reset();
  }

  bool Count(const std::string& where, uint64_t offset) {
    if (walk_.entries.size() < p_.max_entries) return true;
    if (!full_) problems_.push_back({where, offset, "too many entries; the listing stops here"});
    full_ = true;
    return false;
  }

  // SUSP 5.3: SP at the start of the root's "." System Use area turns Rock Ridge on.
  void DetectSusp(const std::vector<std::byte>& su) {
    if (su.size() < 7) return;
    if (su[0] == std::byte{'S'} && su[1] == std::byte{'P'} && su[4] == std::byte{0xBE} &&
        su[5] == std::byte{0xEF}) {
      rock_ridge_ = true;
      su_skip_ = static_cast<uint8_t>(su[6]);
    }
  }

  ImageReader& reader_;
  const WalkParams& p_;
  std::vector<Problem>& problems_;
  TreeWalk walk_;
  std::unordered_set<uint32_t> visited_;
  bool rock_ridge_ = false;
  size_t su_skip_ = 0;
  bool full_ = false;
  std::optional<IsoEntry> pending_;
  std::string pending_id_;
};

}  // namespace

TreeWalk WalkTree(ImageReader& reader, const WalkParams& params, std::vector<Problem>& problems) {
  return Walker(reader, params, problems).Run();
}

}  // namespace mediaforge::iso9660::internal
