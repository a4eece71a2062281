// The station's record of every stick it handled (issue 13: accountability for deployment
// teams), one row per stick in an embedded SQLite database. Safe to share between stations on
// one machine (SQLite locking, a busy timeout); one RecordStore per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

struct sqlite3;

namespace mediaforge::engine::station {

struct StickRecord {
  int64_t id = 0;         // assigned by the store
  int64_t time_unix = 0;  // when the stick finished (seconds since 1970, UTC)
  std::string operator_name;
  std::string device;  // /dev/sdb
  std::string serial;  // disk serial; a loop device's backing file
  std::string vendor, model;
  uint64_t declared_bytes = 0;
  std::optional<uint64_t> probed_bytes;  // real capacity found by the probe
  std::string image;
  std::string image_sha256;
  uint64_t bytes = 0;  // bytes written
  // A delta write (the stick held an earlier copy): bytes found already right and not written.
  bool delta = false;
  uint64_t bytes_skipped = 0;
  // `station --spec`: the media spec the image was built from, and its SHA-256 (the built
  // image's own is image_sha256; `image` then names the spec's output).
  std::string spec;
  std::string spec_sha256;
  double seconds = 0;
  double mb_per_s = 0;
  std::string result;  // "written", "current", "failed", "fake", "refused", "interrupted", ...
  std::string error;
  std::optional<uint64_t> error_offset;
};

struct RecordQuery {
  std::optional<int64_t> since_unix;  // rows at or after this time
  std::optional<std::string> serial;
};

class RecordStore {
 public:
  // Opens or creates the database at `path` (its directory is created when missing).
  static absl::StatusOr<std::unique_ptr<RecordStore>> Open(const std::string& path);
  // Opens an existing database for reading only; NotFound when there is none.
  static absl::StatusOr<std::unique_ptr<RecordStore>> OpenReadOnly(const std::string& path);
  ~RecordStore();
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  // Stores `record` and returns its id.
  absl::StatusOr<int64_t> Add(const StickRecord& record);
  // Rows matching `query`, oldest first.
  absl::StatusOr<std::vector<StickRecord>> Find(const RecordQuery& query);
  const std::string& path() const { return path_; }

 private:
  RecordStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  absl::Status Exec(const char* sql);
  absl::StatusOr<bool> HasColumn(const char* name);
  // Databases made before a column existed get it (ALTER TABLE ... ADD COLUMN).
  absl::Status AddMissingColumns();
  absl::Status Error(const char* what) const;

  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace mediaforge::engine::station
