// The station's SQLite record: rows round-trip with every field, filters by time and serial,
// the database is created with its directory, and a missing one is a clear error.
#include "engine/station/record_store.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace mediaforge::engine::station {
namespace {

StickRecord Sample(int64_t t, std::string serial, std::string result) {
  StickRecord r;
  r.time_unix = t;
  r.operator_name = "alice";
  r.device = "/dev/sdx";
  r.serial = std::move(serial);
  r.vendor = "SanDisk";
  r.model = "Ultra";
  r.declared_bytes = 16ull << 30;
  r.probed_bytes = 16ull << 30;
  r.image = "/srv/win11.img";
  r.image_sha256 = std::string(64, 'a');
  r.bytes = 5ull << 30;
  r.seconds = 120.5;
  r.mb_per_s = 44.5;
  r.result = std::move(result);
  return r;
}

TEST(RecordStore, RoundTripAndFilters) {
  testing::TempDir dir;
  const std::string path = (dir / "state/mediaforge/station.sqlite").string();
  {
    auto store = RecordStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Add(Sample(1000, "A1", "written")).ok());
    StickRecord bad = Sample(2000, "B2", "failed");
    bad.error = "/dev/sdx: write failed at byte offset 1048576: Input/output error";
    bad.error_offset = 1048576;
    bad.probed_bytes.reset();
    ASSERT_TRUE((*store)->Add(bad).ok());
    ASSERT_TRUE((*store)->Add(Sample(3000, "A1", "current")).ok());
  }
  auto store = RecordStore::OpenReadOnly(path);
  ASSERT_TRUE(store.ok()) << store.status();
  auto all = (*store)->Find({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  const StickRecord& b = (*all)[1];
  EXPECT_EQ(b.serial, "B2");
  EXPECT_EQ(b.result, "failed");
  EXPECT_EQ(b.error_offset, 1048576u);
  EXPECT_FALSE(b.probed_bytes.has_value());
  EXPECT_EQ((*all)[0].operator_name, "alice");
  EXPECT_EQ((*all)[0].declared_bytes, 16ull << 30);
  EXPECT_DOUBLE_EQ((*all)[0].seconds, 120.5);
  EXPECT_EQ((*all)[0].image_sha256, std::string(64, 'a'));

  auto a1 = (*store)->Find({.serial = "A1"});
  ASSERT_TRUE(a1.ok());
  EXPECT_EQ(a1->size(), 2u);
  auto late = (*store)->Find({.since_unix = 2000});
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->size(), 2u);
  auto both = (*store)->Find({.since_unix = 2000, .serial = "A1"});
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 1u);
  EXPECT_EQ((*both)[0].result, "current");
}

TEST(RecordStore, DeltaAndSpecFieldsRoundTrip) {
  testing::TempDir dir;
  const std::string path = (dir / "station.sqlite").string();
  auto store = RecordStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  StickRecord r = Sample(1000, "D1", "written");
  r.delta = true;
  r.bytes = 3 << 20;
  r.bytes_skipped = 9 << 20;
  r.spec = "/srv/media.json";
  r.spec_sha256 = std::string(64, 'b');
  ASSERT_TRUE((*store)->Add(r).ok());
  auto all = (*store)->Find({});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE((*all)[0].delta);
  EXPECT_EQ((*all)[0].bytes_skipped, 9u << 20);
  EXPECT_EQ((*all)[0].spec, "/srv/media.json");
  EXPECT_EQ((*all)[0].spec_sha256, std::string(64, 'b'));
}

// A database written before the delta and spec columns existed: read as it is, and given the
// columns when a station opens it for writing.
TEST(RecordStore, OlderDatabaseGetsTheNewColumns) {
  MF_REQUIRE_TOOL("sqlite3");
  testing::TempDir dir;
  const std::string path = (dir / "old.sqlite").string();
  auto made = testing::RunShell(
      "sqlite3 " + path +
      " \"CREATE TABLE sticks (id INTEGER PRIMARY KEY AUTOINCREMENT, time_unix INTEGER NOT NULL,"
      " time TEXT NOT NULL, operator TEXT NOT NULL, device TEXT NOT NULL, serial TEXT NOT NULL,"
      " vendor TEXT NOT NULL, model TEXT NOT NULL, declared_bytes INTEGER NOT NULL,"
      " probed_bytes INTEGER, image TEXT NOT NULL, image_sha256 TEXT NOT NULL,"
      " bytes INTEGER NOT NULL, seconds REAL NOT NULL, mb_per_s REAL NOT NULL,"
      " result TEXT NOT NULL, error TEXT NOT NULL, error_offset INTEGER);"
      " INSERT INTO sticks VALUES (NULL, 5, 't', 'op', '/dev/sdz', 'OLD', 'v', 'm', 1, NULL,"
      " 'i', 's', 2, 1.0, 2.0, 'written', '', NULL);\"");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  {
    auto old = RecordStore::OpenReadOnly(path);
    ASSERT_TRUE(old.ok()) << old.status();
    auto rows = (*old)->Find({});
    ASSERT_TRUE(rows.ok()) << rows.status();
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_FALSE((*rows)[0].delta);
    EXPECT_EQ((*rows)[0].spec, "");
  }
  auto store = RecordStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status();
  StickRecord r = Sample(6, "NEW", "written");
  r.bytes_skipped = 7;
  ASSERT_TRUE((*store)->Add(r).ok());
  auto rows = (*store)->Find({});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].serial, "OLD");
  EXPECT_EQ((*rows)[1].bytes_skipped, 7u);
}

TEST(RecordStore, MissingDatabaseIsNotFound) {
  testing::TempDir dir;
  auto store = RecordStore::OpenReadOnly((dir / "none.sqlite").string());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsNotFound(store.status()));
  EXPECT_NE(store.status().message().find("none.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace mediaforge::engine::station
