#include "fs/wim/wim_inspect.h"

#include <wimlib.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace mediaforge::wim {
namespace {

struct WimFree {
  void operator()(WIMStruct* w) const { wimlib_free(w); }
};
using WimPtr = std::unique_ptr<WIMStruct, WimFree>;

struct LargestFile {
  uint64_t bytes = 0;
  std::string path;
  int image = 0;
};

int OnBlob(const wimlib_resource_entry* r, void* ctx) {
  auto* inspection = static_cast<WimInspection*>(ctx);
  if (r->is_metadata) return 0;
  if (r->packed) inspection->solid = true;
  if (r->uncompressed_size > inspection->largest_blob_bytes) {
    inspection->largest_blob_bytes = r->uncompressed_size;
  }
  return 0;
}

int OnDentry(const wimlib_dir_entry* d, void* ctx) {
  auto* largest = static_cast<LargestFile*>(ctx);
  // streams[0] is the unnamed data stream, then num_named_streams named ones.
  for (uint32_t i = 0; i <= d->num_named_streams; ++i) {
    if (d->streams[i].resource.uncompressed_size > largest->bytes) {
      largest->bytes = d->streams[i].resource.uncompressed_size;
      largest->path = d->full_path;
    }
  }
  return 0;
}

}  // namespace

std::string WimlibError(int code) {
  const char* text = wimlib_get_error_string(static_cast<wimlib_error_code>(code));
  return absl::StrCat(text != nullptr ? text : "unknown error", " (wimlib error ", code, ")");
}

absl::StatusOr<WimInspection> InspectWim(const std::string& path, const std::string& shown,
                                         uint64_t name_file_larger_than) {
  WIMStruct* raw = nullptr;
  if (int rc = wimlib_open_wim(path.c_str(), 0, &raw); rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(shown, ": not a readable WIM: ", WimlibError(rc)));
  }
  WimPtr wim(raw);
  wimlib_wim_info info{};
  if (int rc = wimlib_get_wim_info(wim.get(), &info); rc != 0) {
    return absl::InternalError(absl::StrCat(shown, ": ", WimlibError(rc)));
  }
  WimInspection out;
  out.images = info.image_count;
  const char* ctype = wimlib_get_compression_type_string(
      static_cast<wimlib_compression_type>(info.compression_type));
  out.compression = ctype != nullptr ? ctype : "unknown";
  if (int rc = wimlib_iterate_lookup_table(wim.get(), 0, OnBlob, &out); rc != 0) {
    return absl::DataLossError(
        absl::StrCat(shown, ": cannot read the blob table: ", WimlibError(rc)));
  }
  if (out.largest_blob_bytes > name_file_larger_than) {
    LargestFile largest;
    for (uint32_t image = 1; image <= info.image_count; ++image) {
      const uint64_t before = largest.bytes;
      int rc = wimlib_iterate_dir_tree(wim.get(), static_cast<int>(image), WIMLIB_WIM_ROOT_PATH,
                                       WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE, OnDentry, &largest);
      if (rc != 0) {
        return absl::DataLossError(
            absl::StrCat(shown, ": cannot read image ", image, ": ", WimlibError(rc)));
      }
      if (largest.bytes > before) largest.image = static_cast<int>(image);
    }
    out.largest_file = absl::StrCat("image ", largest.image, ": ", largest.path);
  }
  return out;
}

}  // namespace mediaforge::wim
