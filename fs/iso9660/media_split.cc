#include "fs/iso9660/media_split.h"

#include <unordered_map>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "fs/iso9660/hierarchy.h"
#include "fs/iso9660/on_disk.h"

namespace mediaforge::iso9660 {
namespace {

// Descriptors, catalog, minimal path tables and root directories of any volume.
constexpr uint64_t kFixedVolumeBytes = 40 * kBlockSize;

uint64_t DataBytes(const SourceNode& n) {
  return n.is_file() ? (n.size + kBlockSize - 1) / kBlockSize * kBlockSize : 0;
}

std::unique_ptr<SourceNode> CloneWithoutChildren(const SourceNode& n, SourceNode* parent) {
  auto c = std::make_unique<SourceNode>();
  c->name = n.name;
  c->kind = n.kind;
  c->mode = n.mode;
  c->mtime = n.mtime;
  c->size = n.size;
  c->source_path = n.source_path;
  c->hard_link = n.hard_link;
  c->content = n.content;
  c->symlink_target = n.symlink_target;
  c->parent = parent;
  return c;
}

// Builds pruned copies: every node is added under the copy of its parent, creating the parent
// chain on demand. Nodes arrive in depth-first order, so children stay sorted.
class VolumeTrees {
 public:
  explicit VolumeTrees(const SourceNode& root) : root_(root) {}

  SourceNode* Add(size_t volume, const SourceNode& node) {
    if (volume >= roots_.size()) {
      roots_.resize(volume + 1);
      copies_.resize(volume + 1);
    }
    if (!roots_[volume]) {
      roots_[volume] = CloneWithoutChildren(root_, nullptr);
      copies_[volume][&root_] = roots_[volume].get();
    }
    auto& copies = copies_[volume];
    if (auto it = copies.find(&node); it != copies.end()) return it->second;
    SourceNode* parent = Add(volume, *node.parent);
    parent->children.push_back(CloneWithoutChildren(node, parent));
    SourceNode* copy = parent->children.back().get();
    copies[&node] = copy;
    return copy;
  }

  std::vector<std::unique_ptr<SourceNode>> Take() { return std::move(roots_); }

 private:
  const SourceNode& root_;
  std::vector<std::unique_ptr<SourceNode>> roots_;
  std::vector<std::unordered_map<const SourceNode*, SourceNode*>> copies_;
};

}  // namespace

uint64_t EstimatedMetadataBytes(const SourceNode& n) {
  // Per record: up to 254 bytes in the ISO9660 directory plus Rock Ridge continuation for long
  // names, and a Joliet record. Per directory: a partly used block in each tree, plus its records
  // in four path tables.
  if (n.is_directory()) return 2 * kBlockSize + 700 + 4 * 140;
  return 700ull * ExtentCount(n);
}

absl::StatusOr<SplitResult> SplitIntoVolumes(const SourceNode& root, const SplitRequest& req) {
  const uint64_t capacity = req.media_bytes;
  std::unordered_set<const SourceNode*> forced(req.first_volume_files.begin(),
                                               req.first_volume_files.end());
  // Volume 1 carries every directory and symlink, the forced files and the manifest.
  uint64_t first_used = kFixedVolumeBytes + req.first_volume_extra_bytes;
  uint64_t total_needed = kFixedVolumeBytes;
  uint64_t manifest_estimate = 64;
  std::vector<const SourceNode*> files;
  ForEachNode(const_cast<SourceNode&>(root), [&](SourceNode& n) {
    if (n.is_file()) {
      files.push_back(&n);
      manifest_estimate += n.RelativePath().size() + 5;
      total_needed += DataBytes(n) + EstimatedMetadataBytes(n);
    } else {
      first_used += EstimatedMetadataBytes(n);
      total_needed += EstimatedMetadataBytes(n);
    }
  });
  first_used += manifest_estimate + 2 * kBlockSize;
  total_needed += req.first_volume_extra_bytes;
  SplitResult result;
  if (total_needed <= capacity) {
    result.roots.emplace_back();  // fits: the original tree is the only volume
    return result;
  }
  for (const SourceNode* f : files) {
    if (forced.count(f)) first_used += DataBytes(*f) + EstimatedMetadataBytes(*f);
  }
  if (first_used > capacity) {
    return absl::OutOfRangeError(absl::StrCat("the first volume needs about ", first_used,
                                              " bytes for the directories, boot files "
                                              "and manifest; the media size is ",
                                              capacity));
  }

  // Greedy: fill the current volume in depth-first order, then open the next.
  std::unordered_map<const SourceNode*, size_t> volume_of;
  std::vector<uint64_t> used = {first_used};
  std::unordered_set<const SourceNode*> dirs_in_current;
  for (const SourceNode* f : files) {
    if (forced.count(f)) {
      volume_of[f] = 0;
      continue;
    }
    auto cost_in = [&](size_t v) {
      uint64_t cost = DataBytes(*f) + EstimatedMetadataBytes(*f);
      if (v > 0) {
        for (const SourceNode* d = f->parent; d && d->parent && !dirs_in_current.count(d);
             d = d->parent) {
          cost += EstimatedMetadataBytes(*d);
        }
      }
      return cost;
    };
    size_t v = used.size() - 1;
    if (used[v] + cost_in(v) > capacity) {
      used.push_back(kFixedVolumeBytes);
      dirs_in_current.clear();
      v = used.size() - 1;
      if (used[v] + cost_in(v) > capacity) {
        return absl::OutOfRangeError(absl::StrCat("'", f->RelativePath(), "' (", f->size,
                                                  " bytes) does not fit a volume of ", capacity,
                                                  " bytes (the media size)"));
      }
    }
    used[v] += cost_in(v);
    if (v > 0) {
      for (const SourceNode* d = f->parent; d && d->parent; d = d->parent)
        dirs_in_current.insert(d);
    }
    volume_of[f] = v;
  }

  VolumeTrees trees(root);
  trees.Add(0, root);
  for (size_t v = 1; v < used.size(); ++v) trees.Add(v, root);
  ForEachNode(const_cast<SourceNode&>(root), [&](SourceNode& n) {
    if (n.parent == nullptr) return;
    size_t v = n.is_file() ? volume_of[&n] : 0;
    trees.Add(v, n);
    if (n.is_file()) {
      absl::StrAppendFormat(&result.manifest, "%02d\t%s\n", v + 1, n.RelativePath());
    }
  });
  absl::StrAppendFormat(&result.manifest, "%02d\t%s\n", 1, kManifestName);
  result.roots = trees.Take();
  return result;
}

}  // namespace mediaforge::iso9660
