// mediaforge media show MEDIA [--password-env VAR | --password-file FILE] [--reveal] [--json]:
// the media configuration read back from an ISO, a USB image or a device through mediaforge's
// own readers (no mount). With the password the sealed part opens; secret variables are shown
// only with --reveal. A wrong password is exit 1.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "device/target.h"
#include "fs/media/media_show.h"
#include "fs/media/secret_buffer.h"
#include "fs/media/spec.h"
#include "tools/commands.h"

namespace mediaforge::cli {
namespace {

struct ShowFlags {
  std::string media;
  std::string password_env;
  std::string password_file;
  bool reveal = false;
  CommonFlags common;
};

int Fail(const ShowFlags& f, const absl::Status& s) {
  EmitJson(f.common, {{"ok", false}, {"media", f.media}, {"error", std::string(s.message())}});
  std::cerr << "mediaforge media show: " << s.message() << '\n';
  return absl::IsPermissionDenied(s) ? kExitProblem : kExitError;
}

std::string Text(const nlohmann::ordered_json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

int RunShow(const ShowFlags& f) {
  std::optional<media::SecretString> password;  // locked, wiped on every way out
  if (!f.password_env.empty() || !f.password_file.empty()) {
    media::SecretSource source{f.password_env, f.password_file};
    auto p = media::ReadSecret(source);
    if (!p.ok()) return Fail(f, p.status());
    password.emplace(std::move(*p));
  }
  auto target = device::OpenTarget(f.media, {.write = false, .direct = false, .exclusive = false});
  if (!target.ok()) return Fail(f, target.status());
  auto files = media::MediaFiles::Open(**target);
  if (!files.ok()) return Fail(f, files.status());
  std::optional<std::string> key;  // the copy ShowMedia takes, wiped as soon as it returns
  if (password) key = password->Copy();
  auto shown = media::ShowMedia(**files, key);
  if (key) media::WipeString(*key);
  if (!shown.ok()) return Fail(f, shown.status());

  nlohmann::ordered_json variables = nlohmann::ordered_json::object();
  std::vector<std::string> secret_names;
  if (shown->opened) {
    const auto& sec = shown->secrets;
    for (const auto& [name, value] : sec.variables) {
      bool secret = std::find(sec.secret_variables.begin(), sec.secret_variables.end(), name) !=
                    sec.secret_variables.end();
      variables[name] = secret && !f.reveal ? nlohmann::ordered_json(media::kRedacted)
                                            : nlohmann::ordered_json(value);
    }
    secret_names = sec.secret_variables;
  }
  const bool has_key = shown->opened && !shown->secrets.certificate_key_pem.empty();
  if (f.common.json) {
    nlohmann::ordered_json j = {
        {"ok", true},
        {"media", f.media},
        {"where", shown->where},
        {"config", shown->config},
        {"sealed", shown->sealed},
        {"opened", shown->opened},
        {"variables", shown->opened ? variables : nullptr},
        {"secret_variables", secret_names},
        {"certificate_pem", shown->certificate_pem},
        {"certificate_key",
         has_key ? (f.reveal ? nlohmann::ordered_json(shown->secrets.certificate_key_pem)
                             : nlohmann::ordered_json(media::kRedacted))
                 : nullptr},
        {"error", nullptr}};
    std::cout << j.dump() << '\n';
    return kExitOk;
  }
  std::cout << "media: " << f.media << " (" << shown->where << ")\n";
  for (const auto& [key, value] : shown->config.items()) {
    if (value.is_object()) {
      for (const auto& [k, v] : value.items())
        std::cout << key << "." << k << ": " << Text(v) << "\n";
    } else if (value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        std::cout << key << "[" << i << "]: " << Text(value[i]) << "\n";
      }
    } else {
      std::cout << key << ": " << Text(value) << "\n";
    }
  }
  if (shown->sealed && !shown->opened) {
    std::cout << "variables: sealed (give --password-env or --password-file to open them)\n";
  } else if (shown->opened) {
    for (const auto& [name, value] : variables.items()) {
      std::cout << "variable " << name << ": " << Text(value) << "\n";
    }
    if (has_key) {
      std::cout << "certificate key: "
                << (f.reveal ? "\n" + shown->secrets.certificate_key_pem
                             : std::string(media::kRedacted))
                << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

void AddMediaCommand(CLI::App& app, RunContext& ctx) {
  auto* media = app.add_subcommand("media", "Inspect media made by `mediaforge create`");
  media->require_subcommand(1);
  auto flags = std::make_shared<ShowFlags>();
  auto* show = media->add_subcommand(
      "show",
      "Read the media configuration back (no mount); open the sealed part with the password");
  show->add_option("MEDIA", flags->media, "ISO image, USB image or device")->required();
  auto* env = show->add_option("--password-env", flags->password_env,
                               "Environment variable holding the media password");
  auto* file =
      show->add_option("--password-file", flags->password_file, "File holding the media password");
  env->excludes(file);
  show->add_flag("--reveal", flags->reveal, "Print secret variables and the key in clear");
  AddCommonFlags(*show, flags->common);
  show->callback([flags, &ctx] { ctx.exit_code = RunShow(*flags); });
}

}  // namespace mediaforge::cli
