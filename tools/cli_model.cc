#include "tools/cli_model.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace mediaforge::cli {
namespace {

bool HasAny(const std::string& text, std::initializer_list<const char*> words) {
  for (const char* w : words) {
    if (absl::StrContains(text, w)) return true;
  }
  return false;
}

// A value's kind from its name and help text: the CLI has no file/device types of its own, and
// the naming is consistent (TARGET/SOURCE are devices or image files, *_DIR and --*-dir are
// directories, sizes and numbers take no completion).
ValueKind KindOf(const OptionModel& o, const std::string& type_name, bool named) {
  if (!o.choices.empty()) return ValueKind::kChoice;
  const std::string name = absl::AsciiStrToLower(o.positional ? o.value_name : o.names.back());
  const std::string help = absl::AsciiStrToLower(o.description);
  if (o.positional) {
    if (name == "target" || name == "source") return ValueKind::kDevice;
    if (absl::EndsWith(name, "dir")) return ValueKind::kDirectory;
    return ValueKind::kFile;
  }
  if (HasAny(type_name, {"INT", "UINT", "FLOAT", "NUMBER"})) return ValueKind::kNone;
  // A placeholder the command chose (option_text) says what the value is: COLS, MODE, ...
  if (named) {
    if (absl::EndsWith(o.value_name, "DIR")) return ValueKind::kDirectory;
    bool file = HasAny(o.value_name, {"FILE", "PATH", "IMAGE", "IMG", ".json", ".svg"});
    return file ? ValueKind::kFile : ValueKind::kNone;
  }
  if (HasAny(name, {"size", "length", "date", "seed", "label", "sha256", "scheme", "count"}))
    return ValueKind::kNone;
  if (absl::EndsWith(name, "-dir") || name == "--from" || name == "--staging" ||
      absl::StrContains(help, "directory"))
    return ValueKind::kDirectory;
  if (o.value_name == "FILE" || o.value_name == "PATH" ||
      HasAny(help, {"file", "image", "output", "path", ".svg", "log"}))
    return ValueKind::kFile;
  return ValueKind::kNone;
}

// "TEXT:{auto,bar,json,none}" -> the choices.
std::vector<std::string> ChoicesOf(const std::string& type_name) {
  size_t open = type_name.find(":{");
  size_t close = type_name.find('}', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return absl::StrSplit(type_name.substr(open + 2, close - open - 2), ',', absl::SkipEmpty());
}

// The placeholder shown after an option: its option_text, else its long name upper-cased
// (--block-size -> BLOCK_SIZE), else N for numbers.
std::string ValueName(const CLI::Option& opt, const std::string& type_name) {
  if (!opt.get_option_text().empty()) return opt.get_option_text();
  if (opt.get_positional()) return opt.get_name(true);
  if (HasAny(type_name, {"INT", "UINT", "FLOAT", "NUMBER"})) return "N";
  std::string base = opt.get_lnames().empty() ? "VALUE" : opt.get_lnames().front();
  if (absl::EndsWith(base, "size") || base == "length") return "SIZE";
  std::string out;
  for (char c : base) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

OptionModel ReadOption(const CLI::Option& opt) {
  OptionModel o;
  const std::string type_name = opt.get_type_name();
  o.positional = !opt.nonpositional();
  for (const auto& s : opt.get_snames()) o.names.push_back("-" + s);
  for (const auto& l : opt.get_lnames()) o.names.push_back("--" + l);
  const bool takes_value = opt.get_items_expected_max() > 0;
  if (takes_value) o.value_name = ValueName(opt, type_name);
  o.description = opt.get_description();
  o.choices = ChoicesOf(type_name);
  o.repeats = takes_value && opt.get_items_expected_max() > 1;
  o.required = opt.get_required();
  if (takes_value) o.kind = KindOf(o, type_name, !opt.get_option_text().empty());
  return o;
}

}  // namespace

std::vector<CommandModel> ReadCommands(const CLI::App& app) {
  std::vector<CommandModel> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_group().empty()) continue;  // hidden: __man, __completion
    CommandModel c;
    c.name = sub->get_name();
    c.description = sub->get_description();
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt->get_group().empty()) continue;  // hidden test hooks (--simulate-eio)
      OptionModel o = ReadOption(*opt);
      (o.positional ? c.positionals : c.options).push_back(std::move(o));
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace mediaforge::cli
