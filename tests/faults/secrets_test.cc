// Secrets (issue 14): the media password and secret variables never appear in clear in what
// mediaforge prints (human text, --json, --progress json), in its log, on the media it writes
// (ISO and USB image, raw bytes), or in process arguments (no option takes a password value:
// passwords come from an environment variable or a file); the buffers that held them are wiped
// and locked, and the process is not dumpable while it holds them; a wrong password is exit 1
// with a clear message.
#include <gtest/gtest.h>
#include <sys/prctl.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "fs/media/secret_buffer.h"
#include "nlohmann/json.hpp"
#include "tests/support/test_support.h"

namespace mediaforge {
namespace {

namespace fs = std::filesystem;

constexpr char kPassword[] = "Fault-Pa55-QUUXQUUX";
constexpr char kSecretValue[] = "Secr3t-Variable-GRAULT";

void ExpectNoSecret(const std::string& bytes, const std::string& where) {
  EXPECT_EQ(bytes.find(kPassword), std::string::npos) << where << " holds the password";
  EXPECT_EQ(bytes.find(kSecretValue), std::string::npos) << where << " holds the secret variable";
  EXPECT_EQ(bytes.find("PRIVATE KEY"), std::string::npos) << where << " holds a private key";
}

TEST(SecretString, WipesItsSourceLocksItselfAndStopsCoreDumps) {
  std::string text(64, 'p');  // on the heap (not the small-string buffer)
  const char* old = text.data();
  const size_t capacity = text.capacity();
  media::SecretString secret(std::move(text));
  EXPECT_EQ(secret.view(), std::string(64, 'p'));
  EXPECT_TRUE(text.empty());
  ASSERT_EQ(text.data(), old);  // wiped in place, storage kept by the emptied string
  for (size_t i = 0; i < capacity; ++i) ASSERT_EQ(old[i], '\0') << i;
  EXPECT_EQ(::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);  // no core dump from here on
  if (::geteuid() == 0) {                              // mlock within RLIMIT_MEMLOCK
    EXPECT_TRUE(secret.locked());
  }
  media::SecretString moved = std::move(secret);
  EXPECT_EQ(moved.view(), std::string(64, 'p'));
  EXPECT_TRUE(secret.empty());
}

class SecretsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = testing::MakeBootImageTree(dir_ / "boot"); !why.empty()) GTEST_SKIP() << why;
    testing::WriteWholeFile(dir_ / "password.txt", std::string(kPassword) + "\n");
    ::setenv("MF_SECRETS_TEST_PASSWORD", kPassword, 1);
    ::setenv("MF_SECRETS_TEST_WRONG", "not-the-password", 1);
  }

  testing::CommandResult Create(const nlohmann::ordered_json& output, const std::string& log) {
    nlohmann::ordered_json spec = {
        {"type", "bootable"},
        {"media_management", "site"},
        {"management_points", {"http://mp.corp.example"}},
        {"output", output},
        {"label", "Secrets"},
        {"password", {{"env", "MF_SECRETS_TEST_PASSWORD"}}},
        {"certificate",
         {{"self_signed", {{"valid_from", "2026-11-21"}, {"valid_to", "2027-11-21"}}}}},
        {"boot_image", {{"path", "boot"}}},
        {"variables", {{"OSDComputerName", "LAB-02"}, {"DomainJoinPassword", kSecretValue}}},
        {"secret_variables", {"DomainJoinPassword"}}};
    testing::WriteWholeFile(dir_ / "spec.json", spec.dump(2));
    return testing::RunMediaforge({"create", (dir_ / "spec.json").string(), "--json", "--log", log,
                                   "--progress", "json", "--yes"},
                                  600);
  }

  testing::TempDir dir_;
};

TEST_F(SecretsCliTest, NothingInClearInOutputJsonLogOrMedia) {
  const std::string log = (dir_ / "create.log").string();
  auto iso = Create({{"kind", "iso"}, {"path", "media.iso"}, {"hybrid", true}}, log);
  ASSERT_EQ(iso.exit_code, 0) << iso.output;
  ExpectNoSecret(iso.output, "create's stdout/stderr (--json, --progress json)");
  ExpectNoSecret(testing::ReadTextFile(log), "the creation log");
  ExpectNoSecret(testing::ReadTextFile(dir_ / "media.iso"), "the ISO's raw bytes");

  auto usb = Create({{"kind", "usb"}, {"target", (dir_ / "stick.img").string()}}, log);
  ASSERT_EQ(usb.exit_code, 0) << usb.output;
  ExpectNoSecret(usb.output, "create (USB) output");
  ExpectNoSecret(testing::ReadTextFile(dir_ / "stick.img"), "the USB image's raw bytes");

  // Opened with the password but without --reveal: secret values stay masked in --json.
  for (const auto& source : std::vector<std::vector<std::string>>{
           {"--password-env", "MF_SECRETS_TEST_PASSWORD"},
           {"--password-file", (dir_ / "password.txt").string()}}) {
    std::vector<std::string> args = {"media", "show", (dir_ / "media.iso").string(), "--json"};
    args.insert(args.end(), source.begin(), source.end());
    auto shown = testing::RunMediaforge(args);
    ASSERT_EQ(shown.exit_code, 0) << shown.output;
    ExpectNoSecret(shown.output, "media show --json");
    EXPECT_NE(shown.output.find("LAB-02"), std::string::npos) << shown.output;  // it did open
  }
}

TEST_F(SecretsCliTest, WrongPasswordIsExitOneWithAClearMessage) {
  auto iso = Create({{"kind", "iso"}, {"path", "media.iso"}, {"hybrid", false}},
                    (dir_ / "create.log").string());
  ASSERT_EQ(iso.exit_code, 0) << iso.output;
  auto wrong = testing::RunMediaforge({"media", "show", (dir_ / "media.iso").string(), "--json",
                                       "--password-env", "MF_SECRETS_TEST_WRONG"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("wrong password"), std::string::npos) << wrong.output;
  EXPECT_EQ(wrong.output.find("not-the-password"), std::string::npos) << wrong.output;
  ExpectNoSecret(wrong.output, "media show with a wrong password");
  auto j = nlohmann::json::parse(testing::LastJsonLine(wrong.output));
  EXPECT_EQ(j["ok"], false);
}

// Process arguments are world-readable (ps, /proc/PID/cmdline): no command has an option that
// takes a password, passphrase, key or secret as its value; only -env and -file forms.
TEST(SecretsCli, NoOptionTakesASecretAsItsValue) {
  auto top = testing::RunMediaforge({"--help"});
  std::regex command_line(R"(^\s{2}([a-z]+)\s)");
  std::vector<std::vector<std::string>> commands;
  std::istringstream in(top.output);
  bool in_subcommands = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Subcommands:", 0) == 0) in_subcommands = true;
    std::smatch m;
    if (in_subcommands && std::regex_search(line, m, command_line)) commands.push_back({m[1]});
  }
  ASSERT_GE(commands.size(), 8u) << top.output;
  commands.push_back({"media", "show"});
  std::regex secret_option(R"(--[a-z-]*(password|passphrase|secret|key)[a-z-]*)");
  for (const auto& c : commands) {
    std::vector<std::string> args = c;
    args.push_back("--help");
    auto help = testing::RunMediaforge(args);
    for (std::sregex_iterator it(help.output.begin(), help.output.end(), secret_option), end;
         it != end; ++it) {
      const std::string opt = it->str();
      const bool from_env_or_file = opt.ends_with("-env") || opt.ends_with("-file");
      EXPECT_TRUE(from_env_or_file) << c[0] << " has " << opt << ", which would put a secret in ps";
    }
  }
  auto refused = testing::RunMediaforge({"media", "show", "x.iso", "--password", "p"});
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
}

}  // namespace
}  // namespace mediaforge
