// Hidden commands the build runs to generate documentation from the CLI itself:
//   mediaforge __man --extras docs/man OUT_DIR   mediaforge.1 and mediaforge-COMMAND.1
//   mediaforge __completion bash|zsh             a completion script on stdout
// They read the commands registered on the app, so new commands and flags appear by themselves.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "tools/build_info.h"
#include "tools/cli_model.h"
#include "tools/commands.h"
#include "tools/completion_script.h"
#include "tools/man_page.h"

namespace mediaforge::cli {
namespace {

absl::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat(path.string(), ": cannot be written"));
  return absl::OkStatus();
}

absl::Status WriteManPages(const CLI::App& app, const std::string& extras,
                           const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat(out_dir, ": ", ec.message()));
  auto common = ReadManSections(extras + "/common.txt");
  if (!common.ok()) return common.status();
  auto cmds = ReadCommands(app);
  auto main_own = ReadManSections(extras + "/mediaforge.txt");
  if (!main_own.ok()) return main_own.status();
  auto status = WriteFile(std::filesystem::path(out_dir) / "mediaforge.1",
                          MainManPage(cmds, *main_own, *common, MEDIAFORGE_VERSION));
  if (!status.ok()) return status;
  for (const auto& c : cmds) {
    auto own = ReadManSections(absl::StrCat(extras, "/", c.name, ".txt"));
    if (!own.ok()) return own.status();
    status = WriteFile(std::filesystem::path(out_dir) / absl::StrCat("mediaforge-", c.name, ".1"),
                       CommandManPage(c, *own, *common, MEDIAFORGE_VERSION));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

void AddDocsCommands(CLI::App& app, RunContext& ctx) {
  auto extras = std::make_shared<std::string>("docs/man");
  auto out_dir = std::make_shared<std::string>();
  auto* man = app.add_subcommand("__man", "Generate the man pages")->group("");
  man->add_option("--extras", *extras, "Directory of the hand-written sections");
  man->add_option("OUT_DIR", *out_dir, "Where to write the pages")->required();
  man->callback([&app, &ctx, extras, out_dir] {
    auto status = WriteManPages(app, *extras, *out_dir);
    ctx.exit_code = status.ok() ? kExitOk : ReportError(status);
  });

  auto shell = std::make_shared<std::string>();
  auto* completion = app.add_subcommand("__completion", "Print a completion script")->group("");
  completion->add_option("SHELL", *shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
  completion->callback([&app, &ctx, shell] {
    auto cmds = ReadCommands(app);
    std::cout << (*shell == "bash" ? BashCompletion(cmds) : ZshCompletion(cmds));
    ctx.exit_code = kExitOk;
  });
}

}  // namespace mediaforge::cli
