// `mediaforge station --spec SPEC.json` end to end with loop devices (issue 13): the media of a
// `create` spec is built once (one certificate, one manifest: every stick gets the same bytes),
// written to every stick, verified by `mediaforge verify` (FAT volume and manifest), and
// recorded with the spec's path and SHA-256. A second run (a new build: new certificate and
// times) finds the sticks holding an earlier copy and writes only what changed. A spec that
// fails a pre-flight check touches no stick.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "device/sha256.h"
#include "nlohmann/json.hpp"
#include "tests/station/station_cli_support.h"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {
namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr uint64_t kStick = 64ull << 20;

std::string Sha256Of(const std::vector<char>& bytes, uint64_t length) {
  return device::Sha256Hex(std::as_bytes(std::span(bytes.data(), length)));
}

class StationSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = testing::MakeSampleMediaSources(dir_.path(), 3 << 20); !why.empty()) {
      GTEST_SKIP() << why;
    }
    ::setenv("MF_TEST_STATION_PASSWORD", "Stat1on-Pa55", 1);
  }

  json Spec() const {
    return {{"type", "bootable"},
            {"output", {{"kind", "usb"}, {"targets", {"not-written.img"}}}},
            {"label", "Station Media"},
            {"password", {{"env", "MF_TEST_STATION_PASSWORD"}}},
            {"certificate",
             {{"self_signed", {{"valid_from", "2026-11-21"}, {"valid_to", "2027-11-21"}}}}},
            {"boot_image", {{"path", "boot"}}},
            {"target_architecture", "x64"},
            {"content", {"drivers"}}};
  }
  fs::path WriteSpec(const json& spec) {
    fs::path p = dir_ / "spec.json";
    testing::WriteWholeFile(p, spec.dump(2));
    return p;
  }
  // A stick holding old data, or a blank one (all zeros).
  fs::path Stick(const std::string& name, bool blank = false) {
    fs::path p = dir_ / ("stick-" + name + ".img");
    testing::WritePatternFile(p, kStick, 5);
    if (blank) {
      std::ofstream out(p, std::ios::binary | std::ios::trunc);
      out.close();
      fs::resize_file(p, kStick);
    }
    return p;
  }
  testing::CommandResult Station(const fs::path& spec, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"station",     "--spec",
                                  spec.string(), "--json",
                                  "--yes",       "--force",
                                  "--match",     (dir_ / "stick-*").string(),
                                  "--db",        (dir_ / "station.sqlite").string(),
                                  "--poll-ms",   "100",
                                  "--once"};
    a.insert(a.end(), extra.begin(), extra.end());
    return testing::RunMediaforge(a, 600);
  }
  // The start event.
  static json Start(const std::vector<json>& events) {
    for (const auto& e : events) {
      if (e.value("event", "") == "start") return e;
    }
    return json::object();
  }

  testing::TempDir dir_;
};

TEST_F(StationSpecTest, BuiltOnceWrittenToEveryStickVerifiedAndRecorded) {
  fs::path spec = WriteSpec(Spec());
  // Blank sticks: the layout leaves the FAT volume's free clusters untouched (like `create` on
  // a device), so only on blank sticks do the bytes equal the recorded SHA-256 (free space as
  // zeros). Old data under the media is covered by the second run and by stick_update_test.
  fs::path a = Stick("a", true), b = Stick("b", true);
  ATTACH(la, a);
  ATTACH(lb, b);
  auto r = Station(spec);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto events = testing::JsonLines(r.output);
  const json start = Start(events);
  const uint64_t bytes = start.value("bytes", uint64_t{0});
  ASSERT_GT(bytes, 0u) << r.output;
  ASSERT_LE(bytes, kStick);
  auto spec_bytes = testing::ReadWholeFile(spec);
  const std::string spec_sha = Sha256Of(spec_bytes, spec_bytes.size());
  EXPECT_EQ(start.value("spec_sha256", ""), spec_sha);
  auto finals = testing::Finals(events);
  ASSERT_EQ(finals.size(), 2u) << r.output;
  const uint64_t written = finals[a.string()].value("bytes", uint64_t{0});
  for (const fs::path& s : {a, b}) {
    EXPECT_EQ(finals[s.string()].value("state", ""), "written") << r.output;
    EXPECT_FALSE(finals[s.string()].value("delta", true)) << "a blank stick is written in full";
    EXPECT_EQ(finals[s.string()].value("bytes", uint64_t{0}), written);
    // The outside judge: the FAT volume, its configuration and the manifest read back.
    auto v = testing::RunMediaforge({"verify", s.string(), "--json"});
    EXPECT_EQ(v.exit_code, 0) << v.output;
  }
  // Built once: one certificate, one sealing, one manifest — the two sticks are byte-identical
  // over the media, and that is the content whose SHA-256 the record names.
  auto da = testing::ReadWholeFile(a), db = testing::ReadWholeFile(b);
  ASSERT_TRUE(std::equal(da.begin(), da.begin() + bytes, db.begin()));
  const std::string media_sha = Sha256Of(da, bytes);
  EXPECT_EQ(start.value("sha256", ""), media_sha);

  auto history = testing::RunMediaforge(
      {"station", "--history", "--json", "--db", (dir_ / "station.sqlite").string()});
  ASSERT_EQ(history.exit_code, 0) << history.output;
  json h = testing::LastJson(history.output);
  ASSERT_EQ(h["records"].size(), 2u) << h.dump();
  for (const auto& rec : h["records"]) {
    EXPECT_EQ(rec["spec"], fs::absolute(spec).string());
    EXPECT_EQ(rec["spec_sha256"], spec_sha);
    EXPECT_EQ(rec["image_sha256"], media_sha);
    EXPECT_EQ(rec["result"], "written");
  }

  // A second run builds the media again (new certificate, new times): the sticks hold an
  // earlier copy, so only what changed is written.
  auto again = Station(spec);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  auto finals2 = testing::Finals(testing::JsonLines(again.output));
  ASSERT_EQ(finals2.size(), 2u) << again.output;
  for (const fs::path& s : {a, b}) {
    const json& e = finals2[s.string()];
    EXPECT_EQ(e.value("state", ""), "written") << e.dump();
    EXPECT_TRUE(e.value("delta", false)) << e.dump();
    EXPECT_EQ(e.value("bytes", bytes) + e.value("bytes_skipped", uint64_t{0}), written) << e.dump();
    EXPECT_LT(e.value("bytes", bytes), written / 10) << e.dump();
    auto v = testing::RunMediaforge({"verify", s.string(), "--json"});
    EXPECT_EQ(v.exit_code, 0) << v.output;
  }
}

TEST_F(StationSpecTest, PreflightFailuresTouchNoStick) {
  fs::path a = Stick("a");
  ATTACH(la, a);
  const auto before = testing::ReadWholeFile(a);

  ::unsetenv("MF_TEST_STATION_PASSWORD");
  auto no_password = Station(WriteSpec(Spec()));
  EXPECT_EQ(no_password.exit_code, 2) << no_password.output;
  EXPECT_NE(no_password.output.find("MF_TEST_STATION_PASSWORD"), std::string::npos)
      << no_password.output;
  EXPECT_TRUE(Start(testing::JsonLines(no_password.output)).empty()) << "the station never started";
  ::setenv("MF_TEST_STATION_PASSWORD", "Stat1on-Pa55", 1);

  json expired = Spec();
  expired["certificate"]["self_signed"] = {{"valid_from", "2027-11-21"},
                                           {"valid_to", "2026-11-21"}};
  auto bad_cert = Station(WriteSpec(expired));
  EXPECT_EQ(bad_cert.exit_code, 2) << bad_cert.output;
  EXPECT_NE(bad_cert.output.find("certificate"), std::string::npos) << bad_cert.output;

  json iso = Spec();
  iso["output"] = {{"kind", "iso"}, {"path", "out.iso"}};
  auto not_usb = Station(WriteSpec(iso));
  EXPECT_EQ(not_usb.exit_code, 2) << not_usb.output;
  EXPECT_NE(not_usb.output.find("output.kind is not usb"), std::string::npos) << not_usb.output;

  json gpt = Spec();
  gpt["output"]["scheme"] = "gpt";
  auto not_yet = Station(WriteSpec(gpt));
  EXPECT_EQ(not_yet.exit_code, 2) << not_yet.output;
  EXPECT_NE(not_yet.output.find("gpt is not yet supported"), std::string::npos) << not_yet.output;

  auto both = testing::RunMediaforge({"station", a.string(), "--spec", "x.json", "--yes"});
  EXPECT_EQ(both.exit_code, 2) << both.output;

  EXPECT_EQ(testing::ReadWholeFile(a), before);
  EXPECT_FALSE(fs::exists(dir_ / "station.sqlite")) << "no record: no stick was handled";
}

}  // namespace
}  // namespace mediaforge
