#include "fs/fat32/dir_builder.h"

#include <algorithm>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "fs/fat32/long_names.h"

namespace mediaforge::fat32 {

FatTimestamp EncodeTimestamp(int64_t sec, int64_t nsec, std::optional<int64_t> clamp_to) {
  if (clamp_to && sec >= *clamp_to) {
    sec = *clamp_to;
    nsec = 0;
  }
  constexpr int64_t k1980 = 315532800;   // 1980-01-01T00:00:00Z
  constexpr int64_t k2107 = 4354819198;  // 2107-12-31T23:59:58Z
  if (sec < k1980) {
    sec = k1980;
    nsec = 0;
  }
  if (sec > k2107) sec = k2107;
  time_t t = static_cast<time_t>(sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  FatTimestamp ts;
  ts.date = static_cast<uint16_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  ts.time = static_cast<uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  ts.tenth = static_cast<uint8_t>((tm.tm_sec % 2) * 100 + nsec / 10'000'000);
  return ts;
}

int64_t DecodeTimestamp(uint16_t date, uint16_t time) {
  struct tm tm = {};
  tm.tm_year = (date >> 9) + 80;
  tm.tm_mon = ((date >> 5) & 0xF) - 1;
  tm.tm_mday = date & 0x1F;
  tm.tm_hour = time >> 11;
  tm.tm_min = (time >> 5) & 0x3F;
  tm.tm_sec = (time & 0x1F) * 2;
  return static_cast<int64_t>(timegm(&tm));
}

namespace {

void PlanNames(PlannedDir& dir) {
  ShortNameTable table;
  std::vector<ShortNameInfo> info(dir.entries.size());
  // Exact 8.3 names first, so generated names never take them.
  for (size_t i = 0; i < dir.entries.size(); ++i) {
    info[i] = AnalyzeName(dir.entries[i].node->name);
    if (info[i].exact && table.Reserve(info[i].basis)) {
      dir.entries[i].short_name = info[i].basis;
      dir.entries[i].case_bits = info[i].case_bits;
    } else {
      info[i].exact = false;
    }
  }
  for (size_t i = 0; i < dir.entries.size(); ++i) {
    PlannedEntry& e = dir.entries[i];
    if (info[i].exact) continue;
    e.long_name = *Utf8ToUtf16(e.node->name);
    e.short_name = table.Generate(info[i].basis, e.long_name);
  }
}

}  // namespace

namespace {

struct DirPlanner {
  std::vector<PlannedDir> dirs;
  std::vector<PreflightProblem> problems;
  bool has_label = false;

  // Pre-order: the directory, then each subdirectory in name order.
  uint32_t Visit(const SourceNode& node, uint32_t parent, bool is_root) {
    const auto index = static_cast<uint32_t>(dirs.size());
    dirs.push_back(PlannedDir{&node, is_root, is_root ? index : parent, {}, 0, 0, 0});
    {
      PlannedDir& dir = dirs.back();
      for (const SourceNode& child : node.children) dir.entries.push_back(PlannedEntry{&child});
      PlanNames(dir);
      uint64_t slots = is_root ? (has_label ? 1 : 0) : 2;
      for (const PlannedEntry& e : dir.entries) slots += 1 + LfnEntryCount(e.long_name);
      if (slots > kMaxDirEntries) {
        problems.push_back(
            {node.path, std::nullopt,
             absl::StrCat("directory needs ", slots, " FAT entries (", dir.entries.size(),
                          " names, long names take more); FAT allows ", kMaxDirEntries,
                          " per directory")});
      }
      dir.slots = static_cast<uint32_t>(slots);
    }
    const size_t count = dirs[index].entries.size();
    for (size_t i = 0; i < count; ++i) {
      const SourceNode* child = dirs[index].entries[i].node;
      if (!child->is_dir) continue;
      const uint32_t child_index = Visit(*child, index, false);
      dirs[index].entries[i].dir_index = child_index;  // `dirs` may have moved: index again
    }
    return index;
  }
};

}  // namespace

absl::StatusOr<std::vector<PlannedDir>> PlanDirectories(const SourceTree& tree, bool has_label) {
  DirPlanner planner;
  planner.has_label = has_label;
  planner.Visit(tree.root, 0, true);
  if (!planner.problems.empty()) {
    return absl::InvalidArgumentError(DescribeProblems(
        "source directory too large for FAT; nothing was written:", planner.problems));
  }
  return std::move(planner.dirs);
}

namespace {

DirEntry MakeEntry(const ShortName& name, uint8_t attributes, const FatTimestamp& ts) {
  DirEntry e;
  std::memset(&e, 0, sizeof e);
  std::memcpy(e.name, name.data(), 11);
  e.attributes = attributes;
  e.create_time_tenth = ts.tenth;
  e.create_time = ts.time;
  e.create_date = ts.date;
  e.access_date = ts.date;
  e.write_time = ts.time;
  e.write_date = ts.date;
  return e;
}

ShortName DotName(int dots) {
  ShortName n;
  n.fill(' ');
  for (int i = 0; i < dots; ++i) n[i] = '.';
  return n;
}

}  // namespace

void EncodeDirectory(const PlannedDir& dir, uint32_t parent_cluster, const DirEncodeContext& ctx,
                     std::span<std::byte> out) {
  size_t pos = 0;
  auto put = [&](const void* entry) {
    std::memcpy(out.data() + pos, entry, 32);
    pos += 32;
  };
  const FatTimestamp dir_ts =
      EncodeTimestamp(dir.node->mtime_sec, dir.node->mtime_nsec, ctx.clamp_to);
  if (dir.is_root) {
    if (ctx.label) {
      DirEntry label = MakeEntry(*ctx.label, DirEntry::kVolumeId, dir_ts);
      label.create_time_tenth = 0;
      label.create_time = label.create_date = label.access_date = 0;
      put(&label);
    }
  } else {
    DirEntry dot = MakeEntry(DotName(1), DirEntry::kDirectory, dir_ts);
    dot.set_first_cluster(dir.first_cluster);
    put(&dot);
    DirEntry dotdot = MakeEntry(DotName(2), DirEntry::kDirectory, dir_ts);
    dotdot.set_first_cluster(parent_cluster);
    put(&dotdot);
  }
  for (const PlannedEntry& pe : dir.entries) {
    if (!pe.long_name.empty()) {
      for (const LfnEntry& lfn : MakeLfnEntries(pe.long_name, ShortNameChecksum(pe.short_name))) {
        put(&lfn);
      }
    }
    const SourceNode& n = *pe.node;
    DirEntry e = MakeEntry(pe.short_name, n.is_dir ? DirEntry::kDirectory : DirEntry::kArchive,
                           EncodeTimestamp(n.mtime_sec, n.mtime_nsec, ctx.clamp_to));
    e.nt_reserved = pe.case_bits;
    e.set_first_cluster(pe.first_cluster);
    e.file_size = n.is_dir ? 0 : static_cast<uint32_t>(n.size);
    put(&e);
  }
}

}  // namespace mediaforge::fat32
