// The media spec: every error names the key and what is wrong (media-spec.md).
#include "fs/media/spec.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "nlohmann/json.hpp"
#include "tests/support/test_support.h"

namespace mediaforge::media {
namespace {

using testing::TempDir;

class SpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "boot" / "EFI" / "BOOT");
    std::filesystem::create_directories(dir_ / "drivers");
  }
  // A valid bootable spec; tests change one thing.
  nlohmann::ordered_json Base() const {
    return {{"type", "bootable"},
            {"media_management", "dynamic"},
            {"management_points", {"http://mp1.corp.example", "http://mp2.corp.example:8080/x"}},
            {"output", {{"kind", "iso"}, {"path", "out/media.iso"}}},
            {"boot_image", {{"path", "boot"}}},
            {"password", {{"env", "MEDIA_PASSWORD"}}},
            {"certificate",
             {{"self_signed", {{"valid_from", "2026-11-21"}, {"valid_to", "2027-11-21"}}}}},
            {"variables", {{"A", "1"}, {"Secret", "x"}}},
            {"secret_variables", {"Secret"}},
            {"content", {"drivers"}}};
  }
  absl::StatusOr<MediaSpec> Parse(const nlohmann::ordered_json& j) {
    return ParseMediaSpec(j.dump(), (dir_ / "spec.json").string());
  }
  void ExpectError(const nlohmann::ordered_json& j, const std::string& key,
                   const std::string& what) {
    auto s = Parse(j);
    ASSERT_FALSE(s.ok()) << j.dump();
    std::string msg(s.status().message());
    EXPECT_NE(msg.find("key '" + key + "'"), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
    EXPECT_NE(msg.find("spec.json"), std::string::npos) << msg;
  }
  TempDir dir_;
};

TEST_F(SpecTest, ValidSpecParses) {
  auto s = Parse(Base());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->management_points.size(), 2u);
  EXPECT_EQ(s->variables[0].first, "A");
  EXPECT_TRUE(s->IsSecret("Secret"));
  EXPECT_EQ(s->label, "mediaforge");
  EXPECT_EQ(s->output.path, (dir_ / "out/media.iso").lexically_normal().string());
  EXPECT_EQ(s->certificate.kind, CertificateSpec::Kind::kSelfSigned);
}

TEST_F(SpecTest, UnknownKeyIsNamed) {
  auto j = Base();
  j["colour"] = "blue";
  ExpectError(j, "colour", "unknown key");
  j = Base();
  j["output"]["speed"] = 3;
  ExpectError(j, "output.speed", "unknown key");
}

TEST_F(SpecTest, WrongTypeIsNamed) {
  auto j = Base();
  j["unattended"] = "yes";
  ExpectError(j, "unattended", "true or false");
  j = Base();
  j["variables"]["A"] = 5;
  ExpectError(j, "variables.A", "must be a string");
}

TEST_F(SpecTest, MissingBootImage) {
  auto j = Base();
  j.erase("boot_image");
  ExpectError(j, "boot_image", "missing");
  j = Base();
  j["boot_image"]["path"] = "nowhere";
  ExpectError(j, "boot_image.path", "no such directory");
}

TEST_F(SpecTest, SiteModeNeedsExactlyOneManagementPoint) {
  auto j = Base();
  j["media_management"] = "site";
  ExpectError(j, "management_points", "exactly one");
  j["management_points"] = nlohmann::json::array({"http://mp.example"});
  EXPECT_TRUE(Parse(j).ok());
}

TEST_F(SpecTest, BadUrl) {
  auto j = Base();
  j["management_points"][1] = "ftp://mp.example";
  ExpectError(j, "management_points[1]", "not an http");
  j["management_points"][1] = "http://";
  ExpectError(j, "management_points[1]", "not an http");
}

TEST_F(SpecTest, DatesInWrongOrder) {
  auto j = Base();
  j["certificate"]["self_signed"]["valid_to"] = "2025-01-01";
  ExpectError(j, "certificate.self_signed.valid_to", "not after");
  j["certificate"]["self_signed"]["valid_to"] = "2027-02-30";
  ExpectError(j, "certificate.self_signed.valid_to", "not a date");
}

TEST_F(SpecTest, MissingPasswordSource) {
  auto j = Base();
  j["password"] = nlohmann::json::object();
  ExpectError(j, "password", "exactly one password source");
  j["password"] = {{"value", "hunter2"}};
  ExpectError(j, "password.value", "unknown key");
  j = Base();
  j["certificate"] = {{"pkcs12", "c.pfx"}};
  j["management_points"] = nlohmann::json::array({"https://mp.example"});
  ExpectError(j, "certificate.password", "needs a password source");
}

TEST_F(SpecTest, CaptureMediaRejectBootableOptions) {
  nlohmann::ordered_json j = {{"type", "capture"},
                              {"output", {{"kind", "iso"}, {"path", "c.iso"}}},
                              {"boot_image", {{"path", "boot"}}},
                              {"capture", {{"destination", "\\\\srv\\cap\\ref.img"}}}};
  auto s = Parse(j);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->capture_destination, "\\\\srv\\cap\\ref.img");
  j["variables"] = {{"A", "1"}};
  ExpectError(j, "variables", "does not apply to capture media");
  j.erase("variables");
  j["password"] = {{"env", "X"}};
  ExpectError(j, "password", "does not apply to capture media");
  auto b = Base();
  b["capture"] = {{"destination", "x"}};
  ExpectError(b, "capture", "only capture media");
}

TEST_F(SpecTest, CertificateRulesForHttps) {
  auto j = Base();
  j["management_points"][0] = "https://mp1.corp.example";
  ExpectError(j, "management_points[0]", "self-signed one is refused");
  j = Base();
  j["certificate"] = {{"pkcs12", "c.pfx"}, {"password", {{"file", "pw.txt"}}}};
  ExpectError(j, "management_points[0]", "allows only HTTPS");
}

TEST_F(SpecTest, UsbOutput) {
  auto j = Base();
  j["output"] = {{"kind", "usb"}, {"targets", {"a.img", "b.img"}}, {"format", true}};
  auto s = Parse(j);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->output.targets.size(), 2u);
  j["output"] = {{"kind", "usb"}, {"targets", {"a.img", "a.img"}}};
  ExpectError(j, "output.targets", "named twice");
  j["output"] = {{"kind", "usb"}, {"path", "x"}};
  ExpectError(j, "output.path", "unknown key");
}

TEST_F(SpecTest, SizesAndDates) {
  EXPECT_EQ(ParseByteSize("4.7G"), static_cast<uint64_t>(4.7 * 1024 * 1024 * 1024));
  EXPECT_EQ(ParseByteSize("64K"), 65536u);
  EXPECT_FALSE(ParseByteSize("-1").has_value());
  EXPECT_EQ(ParseUtcDate("1970-01-02"), 86400);
  EXPECT_EQ(ParseUtcDate("1970-01-01T00:00:10Z"), 10);
  EXPECT_FALSE(ParseUtcDate("2026-13-01").has_value());
}

TEST_F(SpecTest, NotJsonNamesTheByte) {
  auto s = ParseMediaSpec("{\"type\": }", "x.json");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(std::string(s.status().message()).find("byte"), std::string::npos);
}

}  // namespace
}  // namespace mediaforge::media
