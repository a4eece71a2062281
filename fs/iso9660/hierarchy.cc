#include "fs/iso9660/hierarchy.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "fs/iso9660/names.h"
#include "fs/iso9660/timestamps.h"

namespace mediaforge::iso9660 {
namespace {

constexpr uint32_t kMaxRecordLength = 254;  // 255, kept even (9.1.1)
constexpr size_t kMaxDirectories = 65535;   // path table parent numbers are 16-bit (9.4.5)

uint32_t FixedPartLength(const std::string& identifier) {
  uint32_t n = sizeof(DirectoryRecord) + static_cast<uint32_t>(identifier.size());
  if (identifier.size() % 2 == 0) ++n;  // 9.1.12: padding field after an even-length identifier
  return n;
}

}  // namespace

uint32_t ExtentCount(const SourceNode& node) {
  if (!node.is_file() || node.size == 0) return 1;
  return static_cast<uint32_t>((node.size + kMaxExtentBytes - 1) / kMaxExtentBytes);
}

FileExtent ExtentOf(const SourceNode& node, uint32_t index) {
  if (!node.is_file() || node.size == 0) return {0, 0};
  uint64_t start = uint64_t{index} * kMaxExtentBytes;
  uint64_t length = std::min<uint64_t>(kMaxExtentBytes, node.size - start);
  return {node.data_lba + static_cast<uint32_t>(start / kBlockSize), static_cast<uint32_t>(length)};
}

absl::StatusOr<std::unique_ptr<Hierarchy>> Hierarchy::Plan(const SourceNode& root, Flavor flavor,
                                                           bool rock_ridge,
                                                           int64_t timestamp_limit) {
  std::unique_ptr<Hierarchy> h(new Hierarchy(flavor, rock_ridge, timestamp_limit));
  auto root_plan = std::make_unique<DirectoryPlan>();
  root_plan->node = &root;
  root_plan->parent = root_plan.get();
  root_plan->identifier = std::string(1, '\0');
  root_plan->number = 1;
  h->directories_.push_back(std::move(root_plan));
  // Breadth first: planning a directory appends its subdirectories, so the list ends up in
  // path table order (6.9.1: by level, then parent number, then identifier).
  for (size_t i = 0; i < h->directories_.size(); ++i) {
    if (auto s = h->PlanDirectory(*h->directories_[i]); !s.ok()) return s;
    h->directory_blocks_ += h->directories_[i]->blocks;
  }
  return h;
}

void Hierarchy::AddRecord(DirectoryPlan& dir, const SourceNode& node,
                          const DirectoryPlan* directory, std::string identifier, RecordRole role,
                          uint32_t extent_index, bool final_extent) {
  RecordPlan r;
  r.node = &node;
  r.directory = directory;
  r.identifier = std::move(identifier);
  r.role = role;
  r.extent_index = extent_index;
  r.final_extent = final_extent;
  uint32_t fixed = FixedPartLength(r.identifier);
  if (rock_ridge_ && flavor_ == Flavor::kIso9660) {
    bool is_root = dir.parent == &dir;
    int64_t time = Clamp(node.mtime);
    r.system_use =
        PlanSystemUse(RockRidgeEntries(node, role, is_root, time), kMaxRecordLength - fixed, pool_);
  }
  uint32_t length = fixed + r.system_use.InlineLength();
  // Regenerated when the record is written: large trees would otherwise hold every entry twice.
  std::string().swap(r.system_use.entries);
  r.length = static_cast<uint8_t>(length + (length % 2));
  dir.records.push_back(std::move(r));
}

absl::Status Hierarchy::PlanDirectory(DirectoryPlan& dir) {
  const SourceNode& node = *dir.node;
  std::vector<NameRequest> requests;
  requests.reserve(node.children.size());
  for (const auto& c : node.children) requests.push_back({&c->name, c->is_directory()});
  std::vector<std::string> ids =
      flavor_ == Flavor::kIso9660 ? MakeIsoIdentifiers(requests) : MakeJolietIdentifiers(requests);
  std::vector<size_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0);
  auto less = flavor_ == Flavor::kIso9660 ? IsoIdentifierLess : JolietIdentifierLess;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return less(ids[a], ids[b]); });

  dir.records.reserve(2 + node.children.size());
  AddRecord(dir, node, &dir, std::string(1, '\0'), RecordRole::kSelf, 0, true);
  AddRecord(dir, *dir.parent->node, dir.parent, std::string(1, '\1'), RecordRole::kParent, 0, true);
  for (size_t i : order) {
    const SourceNode& child = *node.children[i];
    if (child.is_directory()) {
      if (directories_.size() >= kMaxDirectories) {
        return absl::OutOfRangeError(absl::StrCat("more than ", kMaxDirectories,
                                                  " directories (at '", child.RelativePath(),
                                                  "'): ISO9660 path tables cannot number them"));
      }
      auto sub = std::make_unique<DirectoryPlan>();
      sub->node = &child;
      sub->parent = &dir;
      sub->identifier = ids[i];
      sub->number = static_cast<uint16_t>(directories_.size() + 1);
      dir.subdirectories.push_back(sub.get());
      AddRecord(dir, child, sub.get(), ids[i], RecordRole::kChild, 0, true);
      directories_.push_back(std::move(sub));
      continue;
    }
    uint32_t extents = ExtentCount(child);
    for (uint32_t k = 0; k < extents; ++k) {
      AddRecord(dir, child, nullptr, ids[i], RecordRole::kChild, k, k + 1 == extents);
    }
  }
  // 6.8.1.1: a record never crosses a logical block boundary.
  uint64_t pos = 0;
  for (RecordPlan& r : dir.records) {
    if (pos % kBlockSize + r.length > kBlockSize) pos += kBlockSize - pos % kBlockSize;
    r.offset_in_directory = static_cast<uint32_t>(pos);
    pos += r.length;
  }
  uint64_t blocks = (pos + kBlockSize - 1) / kBlockSize;
  if (blocks > (kMaxExtentBytes / kBlockSize)) {
    return absl::OutOfRangeError(
        absl::StrCat("directory '", node.RelativePath(), "' has too many entries for one extent"));
  }
  dir.blocks = static_cast<uint32_t>(std::max<uint64_t>(blocks, 1));
  return absl::OkStatus();
}

void Hierarchy::AssignLbas(uint32_t first_lba) {
  first_lba_ = first_lba;
  uint32_t lba = first_lba;
  for (auto& d : directories_) {
    d->lba = lba;
    lba += d->blocks;
  }
  pool_lba_ = lba;
}

void Hierarchy::WriteRecord(const RecordPlan& r, const DirectoryPlan& dir, std::byte* dst,
                            std::vector<std::byte>& pool_bytes) const {
  DirectoryRecord rec{};
  rec.length = r.length;
  uint8_t flags = 0;
  if (r.directory != nullptr) {
    rec.extent_lba.Set(r.directory->lba);
    rec.data_length.Set(uint64_t{r.directory->blocks} * kBlockSize);
    flags |= kFlagDirectory;
  } else {
    FileExtent e = ExtentOf(*r.node, r.extent_index);
    rec.extent_lba.Set(e.lba);
    rec.data_length.Set(e.length);
    if (!r.final_extent) flags |= kFlagMultiExtent;
  }
  rec.recorded = ToRecordingDateTime(Clamp(r.node->mtime));
  rec.flags = flags;
  rec.volume_sequence_number.Set(volume_sequence_);
  rec.name_length = static_cast<uint8_t>(r.identifier.size());
  std::memcpy(dst, &rec, sizeof rec);
  std::memcpy(dst + sizeof rec, r.identifier.data(), r.identifier.size());
  if (!rock_ridge_ || flavor_ != Flavor::kIso9660) return;
  std::string entries = RockRidgeEntries(*r.node, r.role, dir.parent == &dir, Clamp(r.node->mtime));
  WriteSystemUse(r.system_use, entries, pool_lba_, dst + FixedPartLength(r.identifier), pool_bytes);
}

std::vector<std::byte> Hierarchy::Serialize() const {
  std::vector<std::byte> out(uint64_t{directory_blocks_} * kBlockSize);
  std::vector<std::byte> pool(uint64_t{pool_.blocks()} * kBlockSize);
  for (const auto& d : directories_) {
    std::byte* base = out.data() + uint64_t{d->lba - first_lba_} * kBlockSize;
    for (const RecordPlan& r : d->records) WriteRecord(r, *d, base + r.offset_in_directory, pool);
  }
  out.insert(out.end(), pool.begin(), pool.end());
  return out;
}

std::vector<std::byte> Hierarchy::RootRecordForDescriptor() const {
  const DirectoryPlan& root = *directories_.front();
  DirectoryRecord rec{};
  rec.length = 34;
  rec.extent_lba.Set(root.lba);
  rec.data_length.Set(uint64_t{root.blocks} * kBlockSize);
  rec.recorded = ToRecordingDateTime(Clamp(root.node->mtime));
  rec.flags = kFlagDirectory;
  rec.volume_sequence_number.Set(volume_sequence_);
  rec.name_length = 1;
  std::vector<std::byte> out(34);
  std::memcpy(out.data(), &rec, sizeof rec);
  return out;
}

}  // namespace mediaforge::iso9660
