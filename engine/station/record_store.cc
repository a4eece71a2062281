#include "engine/station/record_store.h"

#include <sqlite3.h>

#include <ctime>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace mediaforge::engine::station {
namespace {

// Columns in table order (after id); Add and Find use the same order.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS sticks ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " time_unix INTEGER NOT NULL,"
    " time TEXT NOT NULL,"  // ISO 8601 UTC, for people reading the database directly
    " operator TEXT NOT NULL,"
    " device TEXT NOT NULL,"
    " serial TEXT NOT NULL,"
    " vendor TEXT NOT NULL,"
    " model TEXT NOT NULL,"
    " declared_bytes INTEGER NOT NULL,"
    " probed_bytes INTEGER,"
    " image TEXT NOT NULL,"
    " image_sha256 TEXT NOT NULL,"
    " bytes INTEGER NOT NULL,"
    " seconds REAL NOT NULL,"
    " mb_per_s REAL NOT NULL,"
    " result TEXT NOT NULL,"
    " error TEXT NOT NULL,"
    " error_offset INTEGER,"
    " delta INTEGER NOT NULL DEFAULT 0,"
    " bytes_skipped INTEGER NOT NULL DEFAULT 0,"
    " spec TEXT NOT NULL DEFAULT '',"
    " spec_sha256 TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS sticks_serial ON sticks(serial);"
    "CREATE INDEX IF NOT EXISTS sticks_time ON sticks(time_unix);";

// Columns added after the first release of the table, with their definitions and the value
// rows made before them read as.
struct LaterColumn {
  const char* name;
  const char* definition;
  const char* old_rows;
};
constexpr LaterColumn kLaterColumns[] = {
    {"delta", "INTEGER NOT NULL DEFAULT 0", "0"},
    {"bytes_skipped", "INTEGER NOT NULL DEFAULT 0", "0"},
    {"spec", "TEXT NOT NULL DEFAULT ''", "''"},
    {"spec_sha256", "TEXT NOT NULL DEFAULT ''", "''"},
};

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void Text(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void Int(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Real(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void OptInt(int i, const std::optional<uint64_t>& v) {
    if (v) {
      sqlite3_bind_int64(stmt_, i, static_cast<int64_t>(*v));
    } else {
      sqlite3_bind_null(stmt_, i);
    }
  }
  std::string ColText(int i) {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t == nullptr ? "" : reinterpret_cast<const char*>(t);
  }
  std::optional<uint64_t> ColOptInt(int i) {
    if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return std::nullopt;
    return static_cast<uint64_t>(sqlite3_column_int64(stmt_, i));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

std::string IsoTime(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

absl::StatusOr<sqlite3*> OpenDb(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat(path, ": cannot open the station database: ", msg));
  }
  sqlite3_busy_timeout(db, 5000);  // another station on this machine may be adding a row
  return db;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordStore>> RecordStore::Open(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat(
        parent.string(), ": cannot create the directory of the station database: ", ec.message()));
  }
  auto db = OpenDb(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db.ok()) return db.status();
  std::unique_ptr<RecordStore> store(new RecordStore(path, *db));
  if (auto s = store->Exec(kSchema); !s.ok()) return s;
  if (auto s = store->AddMissingColumns(); !s.ok()) return s;
  return store;
}

absl::StatusOr<std::unique_ptr<RecordStore>> RecordStore::OpenReadOnly(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return absl::NotFoundError(absl::StrCat(path, ": no station database (nothing recorded yet)"));
  }
  auto db = OpenDb(path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return db.status();
  return std::unique_ptr<RecordStore>(new RecordStore(path, *db));
}

RecordStore::~RecordStore() { sqlite3_close(db_); }

absl::Status RecordStore::Error(const char* what) const {
  return absl::UnavailableError(absl::StrCat(path_, ": ", what, ": ", sqlite3_errmsg(db_)));
}

absl::Status RecordStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "unknown error";
    sqlite3_free(err);
    return absl::UnavailableError(absl::StrCat(path_, ": station database: ", msg));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> RecordStore::HasColumn(const char* name) {
  Statement st(db_, "SELECT 1 FROM pragma_table_info('sticks') WHERE name = ?1");
  if (!st.ok()) return Error("cannot read the table's columns");
  st.Text(1, name);
  int rc = sqlite3_step(st.get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error("cannot read the table's columns");
  return rc == SQLITE_ROW;
}

absl::Status RecordStore::AddMissingColumns() {
  for (const LaterColumn& c : kLaterColumns) {
    auto has = HasColumn(c.name);
    if (!has.ok()) return has.status();
    if (*has) continue;
    std::string sql = absl::StrCat("ALTER TABLE sticks ADD COLUMN ", c.name, " ", c.definition);
    if (auto s = Exec(sql.c_str()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RecordStore::Add(const StickRecord& r) {
  Statement st(db_,
               "INSERT INTO sticks (time_unix, time, operator, device, serial, vendor, model,"
               " declared_bytes, probed_bytes, image, image_sha256, bytes, seconds, mb_per_s,"
               " result, error, error_offset, delta, bytes_skipped, spec, spec_sha256)"
               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!st.ok()) return Error("cannot prepare the insert");
  st.Int(1, r.time_unix);
  st.Text(2, IsoTime(r.time_unix));
  st.Text(3, r.operator_name);
  st.Text(4, r.device);
  st.Text(5, r.serial);
  st.Text(6, r.vendor);
  st.Text(7, r.model);
  st.Int(8, static_cast<int64_t>(r.declared_bytes));
  st.OptInt(9, r.probed_bytes);
  st.Text(10, r.image);
  st.Text(11, r.image_sha256);
  st.Int(12, static_cast<int64_t>(r.bytes));
  st.Real(13, r.seconds);
  st.Real(14, r.mb_per_s);
  st.Text(15, r.result);
  st.Text(16, r.error);
  st.OptInt(17, r.error_offset);
  st.Int(18, r.delta ? 1 : 0);
  st.Int(19, static_cast<int64_t>(r.bytes_skipped));
  st.Text(20, r.spec);
  st.Text(21, r.spec_sha256);
  if (sqlite3_step(st.get()) != SQLITE_DONE) return Error("cannot add the stick's record");
  return sqlite3_last_insert_rowid(db_);
}

absl::StatusOr<std::vector<StickRecord>> RecordStore::Find(const RecordQuery& q) {
  std::string sql =
      "SELECT id, time_unix, operator, device, serial, vendor, model, declared_bytes,"
      " probed_bytes, image, image_sha256, bytes, seconds, mb_per_s, result, error, error_offset";
  // A database opened read-only may predate the later columns.
  for (const LaterColumn& c : kLaterColumns) {
    auto has = HasColumn(c.name);
    if (!has.ok()) return has.status();
    absl::StrAppend(&sql, ", ", *has ? c.name : c.old_rows);
  }
  sql += " FROM sticks WHERE 1";
  if (q.since_unix) sql += " AND time_unix >= ?1";
  if (q.serial) sql += " AND serial = ?2";
  sql += " ORDER BY time_unix, id";
  Statement st(db_, sql.c_str());
  if (!st.ok()) return Error("cannot read the records");
  if (q.since_unix) st.Int(1, *q.since_unix);
  if (q.serial) st.Text(2, *q.serial);
  std::vector<StickRecord> out;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    StickRecord r;
    sqlite3_stmt* s = st.get();
    r.id = sqlite3_column_int64(s, 0);
    r.time_unix = sqlite3_column_int64(s, 1);
    r.operator_name = st.ColText(2);
    r.device = st.ColText(3);
    r.serial = st.ColText(4);
    r.vendor = st.ColText(5);
    r.model = st.ColText(6);
    r.declared_bytes = static_cast<uint64_t>(sqlite3_column_int64(s, 7));
    r.probed_bytes = st.ColOptInt(8);
    r.image = st.ColText(9);
    r.image_sha256 = st.ColText(10);
    r.bytes = static_cast<uint64_t>(sqlite3_column_int64(s, 11));
    r.seconds = sqlite3_column_double(s, 12);
    r.mb_per_s = sqlite3_column_double(s, 13);
    r.result = st.ColText(14);
    r.error = st.ColText(15);
    r.error_offset = st.ColOptInt(16);
    r.delta = sqlite3_column_int64(s, 17) != 0;
    r.bytes_skipped = static_cast<uint64_t>(sqlite3_column_int64(s, 18));
    r.spec = st.ColText(19);
    r.spec_sha256 = st.ColText(20);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error("cannot read the records");
  return out;
}

}  // namespace mediaforge::engine::station
