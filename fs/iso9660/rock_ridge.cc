#include "fs/iso9660/rock_ridge.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_split.h"
#include "fs/iso9660/on_disk.h"
#include "fs/iso9660/timestamps.h"

namespace mediaforge::iso9660 {
namespace {

constexpr size_t kMaxEntryLength = 255;
constexpr size_t kMaxEntryPayload = kMaxEntryLength - 5;  // after signature, length, version, flags

template <typename T>
void AppendStruct(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void AppendHeader(std::string& out, const char signature[2], size_t length) {
  out.push_back(signature[0]);
  out.push_back(signature[1]);
  out.push_back(static_cast<char>(length));
  out.push_back(1);  // entry version
}

// SUSP 5.3: SP.
void AppendSp(std::string& out) {
  SuspIndicatorEntry sp{{'S', 'P'}, 7, 1, {0xBE, 0xEF}, 0};
  AppendStruct(out, sp);
}

// SUSP 5.5 / RRIP 5.2: ER naming the RRIP_1991A extension (identifier, descriptor and source
// texts as registered for RRIP).
void AppendEr(std::string& out) {
  static constexpr char kId[] = "RRIP_1991A";
  static constexpr char kDescriptor[] =
      "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
  static constexpr char kSource[] =
      "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN "
      "PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";
  size_t id = sizeof kId - 1, des = sizeof kDescriptor - 1, src = sizeof kSource - 1;
  AppendHeader(out, "ER", 8 + id + des + src);
  out.push_back(static_cast<char>(id));
  out.push_back(static_cast<char>(des));
  out.push_back(static_cast<char>(src));
  out.push_back(1);  // extension version
  out.append(kId, id);
  out.append(kDescriptor, des);
  out.append(kSource, src);
}

// RRIP 4.1.1: PX.
void AppendPx(std::string& out, const SourceNode& node) {
  RripPosixAttributesEntry px{};
  px.signature[0] = 'P';
  px.signature[1] = 'X';
  px.length = sizeof px;
  px.version = 1;
  px.mode.Set(node.mode);
  uint32_t links = 1;
  if (node.is_directory()) {
    links = 2;
    for (const auto& c : node.children) links += c->is_directory() ? 1 : 0;
  }
  px.links.Set(links);
  px.uid.Set(0);  // uid/gid 0 (as "rational Rock Ridge"): output must not depend on who built it
  px.gid.Set(0);
  AppendStruct(out, px);
}

// RRIP 4.1.6: TF with modify, access and attributes times (short form).
void AppendTf(std::string& out, int64_t time) {
  AppendHeader(out, "TF", 5 + 3 * sizeof(RecordingDateTime));
  out.push_back(0x0E);
  RecordingDateTime t = ToRecordingDateTime(time);
  for (int i = 0; i < 3; ++i) AppendStruct(out, t);
}

// RRIP 4.1.4: NM, split over several entries (flag CONTINUE) beyond 250 bytes.
void AppendNm(std::string& out, const std::string& name) {
  size_t pos = 0;
  do {
    size_t n = std::min(kMaxEntryPayload, name.size() - pos);
    bool more = pos + n < name.size();
    AppendHeader(out, "NM", 5 + n);
    out.push_back(more ? 0x01 : 0x00);
    out.append(name, pos, n);
    pos += n;
  } while (pos < name.size());
}

// RRIP 4.1.3: SL. Component records (flags CURRENT 0x02, PARENT 0x04, ROOT 0x08; CONTINUE 0x01
// when a long component goes on in the next record) packed into SL entries of <= 255 bytes; every
// SL entry but the last has flag CONTINUE.
void AppendSl(std::string& out, const std::string& target) {
  std::vector<std::string> records;
  auto add_record = [&](uint8_t flags, std::string_view content) {
    std::string r;
    r.push_back(static_cast<char>(flags));
    r.push_back(static_cast<char>(content.size()));
    r.append(content);
    records.push_back(std::move(r));
  };
  if (!target.empty() && target[0] == '/') add_record(0x08, "");
  for (absl::string_view part : absl::StrSplit(target, '/', absl::SkipEmpty())) {
    if (part == ".") {
      add_record(0x02, "");
    } else if (part == "..") {
      add_record(0x04, "");
    } else {
      constexpr size_t kChunk = kMaxEntryPayload - 2;
      for (size_t pos = 0; pos < part.size(); pos += kChunk) {
        size_t n = std::min(kChunk, part.size() - pos);
        add_record(pos + n < part.size() ? 0x01 : 0x00, std::string_view(part.data() + pos, n));
      }
    }
  }
  size_t i = 0;
  do {
    size_t payload = 0, j = i;
    while (j < records.size() && payload + records[j].size() <= kMaxEntryPayload) {
      payload += records[j++].size();
    }
    bool more = j < records.size();
    AppendHeader(out, "SL", 5 + payload);
    out.push_back(more ? 0x01 : 0x00);
    for (size_t k = i; k < j; ++k) out += records[k];
    i = j;
  } while (i < records.size());
}

// Walks the entries of a System Use byte string: the length of the entry starting at `pos`.
uint32_t EntryLength(const std::string& entries, size_t pos) {
  return static_cast<uint8_t>(entries[pos + 2]);
}

void WriteContinuation(std::byte* at, uint32_t pool_lba, uint32_t offset, uint32_t length) {
  SuspContinuationEntry ce{};
  ce.signature[0] = 'C';
  ce.signature[1] = 'E';
  ce.length = kContinuationEntryLength;
  ce.version = 1;
  ce.block.Set(pool_lba + offset / kBlockSize);
  ce.offset.Set(offset % kBlockSize);
  ce.area_length.Set(length);
  std::memcpy(at, &ce, sizeof ce);
}

}  // namespace

std::string RockRidgeEntries(const SourceNode& node, RecordRole role, bool is_root, int64_t time) {
  std::string out;
  bool root_self = is_root && role == RecordRole::kSelf;
  if (root_self) AppendSp(out);
  AppendPx(out, node);
  AppendTf(out, time);
  if (role == RecordRole::kChild) {
    AppendNm(out, node.name);
    if (node.kind == SourceNode::Kind::kSymlink) AppendSl(out, node.symlink_target);
  }
  if (root_self) AppendEr(out);
  return out;
}

uint32_t ContinuationPool::Allocate(uint32_t length) {
  uint64_t in_block = used_ % kBlockSize;
  if (in_block + length > kBlockSize) used_ += kBlockSize - in_block;
  uint32_t offset = static_cast<uint32_t>(used_);
  used_ += length;
  return offset;
}

uint32_t ContinuationPool::blocks() const {
  return static_cast<uint32_t>((used_ + kBlockSize - 1) / kBlockSize);
}

uint32_t SystemUsePlan::InlineLength() const { return inline_length; }

SystemUsePlan PlanSystemUse(std::string entries, size_t inline_capacity, ContinuationPool& pool) {
  SystemUsePlan plan;
  plan.entries = std::move(entries);
  const std::string& e = plan.entries;
  plan.inline_length = static_cast<uint32_t>(e.size());
  if (e.size() <= inline_capacity) return plan;
  // Cut the entries into pieces; each piece but the last leaves room for a CE entry.
  size_t pos = 0;
  size_t capacity = inline_capacity;
  while (pos < e.size()) {
    size_t end = pos;
    bool rest_fits = e.size() - pos <= capacity;
    if (rest_fits) {
      end = e.size();
    } else {
      while (end < e.size() &&
             end - pos + EntryLength(e, end) + kContinuationEntryLength <= capacity) {
        end += EntryLength(e, end);
      }
    }
    plan.piece_ends.push_back(static_cast<uint32_t>(end));
    pos = end;
    capacity = kBlockSize;
  }
  plan.inline_length = plan.piece_ends[0] + kContinuationEntryLength;
  for (size_t k = 1; k < plan.piece_ends.size(); ++k) {
    uint32_t length = plan.piece_ends[k] - plan.piece_ends[k - 1];
    if (k + 1 < plan.piece_ends.size()) length += kContinuationEntryLength;
    plan.area_offsets.push_back(pool.Allocate(length));
  }
  return plan;
}

void WriteSystemUse(const SystemUsePlan& plan, const std::string& e, uint32_t pool_lba,
                    std::byte* record_su, std::vector<std::byte>& pool_bytes) {
  if (plan.piece_ends.empty()) {
    std::memcpy(record_su, e.data(), e.size());
    return;
  }
  size_t pieces = plan.piece_ends.size();
  std::byte* dst = record_su;
  for (size_t k = 0; k < pieces; ++k) {
    uint32_t begin = k == 0 ? 0 : plan.piece_ends[k - 1];
    uint32_t length = plan.piece_ends[k] - begin;
    std::memcpy(dst, e.data() + begin, length);
    if (k + 1 < pieces) {
      uint32_t next_offset = plan.area_offsets[k];
      uint32_t next_length = plan.piece_ends[k + 1] - plan.piece_ends[k];
      if (k + 2 < pieces) next_length += kContinuationEntryLength;
      WriteContinuation(dst + length, pool_lba, next_offset, next_length);
      dst = pool_bytes.data() + next_offset;
    }
  }
}

}  // namespace mediaforge::iso9660
