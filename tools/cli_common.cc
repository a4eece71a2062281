#include "tools/cli_common.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace mediaforge::cli {

void AddCommonFlags(CLI::App& cmd, CommonFlags& flags) {
  flags.command = &cmd;
  cmd.add_flag("--json", flags.json, "Print one JSON object with the result on stdout");
  cmd.add_option("--progress", flags.progress,
                 "auto (a bar when stderr is a terminal), bar, json (one JSON object per line "
                 "on stderr) or none")
      ->check(CLI::IsMember({"auto", "bar", "json", "none"}))
      ->option_text("MODE");
  cmd.add_flag("--no-progress", flags.no_progress, "Do not draw the progress line");
}

absl::StatusOr<uint64_t> ParseSize(absl::string_view text) {
  std::string t(absl::StripAsciiWhitespace(text));
  if (t.empty()) return absl::InvalidArgumentError("empty size");
  uint64_t mult = 1;
  char last = absl::ascii_toupper(t.back());
  // Accept an optional trailing "B"/"iB" after the unit: 4GiB, 4GB, 4G all mean 4 * 2^30.
  if (last == 'B' && t.size() > 1) {
    t.pop_back();
    if (!t.empty() && (t.back() == 'i' || t.back() == 'I')) t.pop_back();
    if (t.empty()) return absl::InvalidArgumentError(absl::StrCat("bad size '", text, "'"));
    last = absl::ascii_toupper(t.back());
  }
  switch (last) {
    case 'K':
      mult = 1ull << 10;
      break;
    case 'M':
      mult = 1ull << 20;
      break;
    case 'G':
      mult = 1ull << 30;
      break;
    case 'T':
      mult = 1ull << 40;
      break;
    case 'P':
      mult = 1ull << 50;
      break;
    default:
      break;
  }
  if (mult != 1) t.pop_back();
  uint64_t whole = 0;
  if (absl::SimpleAtoi(t, &whole)) {
    if (whole > UINT64_MAX / mult)
      return absl::InvalidArgumentError(absl::StrCat("size '", text, "' is too large"));
    return whole * mult;
  }
  double v = 0;
  if (!absl::SimpleAtod(t, &v) || !(v >= 0) || std::isinf(v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad size '", text, "' (examples: 512, 64K, 32M, 4.7G, 2T)"));
  }
  long double bytes = static_cast<long double>(v) * mult;
  if (bytes > 1.8e19L)
    return absl::InvalidArgumentError(absl::StrCat("size '", text, "' is too large"));
  return static_cast<uint64_t>(std::llround(static_cast<double>(bytes)));
}

absl::StatusOr<std::optional<int64_t>> ParseDateFlag(const std::string& flag) {
  std::string text = flag;
  std::string source = "--date";
  const char* env = std::getenv("SOURCE_DATE_EPOCH");
  if (text.empty() && env != nullptr && *env != '\0') {
    text = env;
    source = "SOURCE_DATE_EPOCH";
  }
  if (text.empty()) return std::optional<int64_t>();
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v) || v < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, " '", text, "' is not a number of seconds since 1970"));
  }
  return std::optional<int64_t>(v);
}

absl::StatusOr<std::vector<std::byte>> ReadSmallFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be opened"));
  std::vector<char> data((std::istreambuf_iterator<char>(in)), {});
  if (data.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", data.size(), " bytes, more than the ", max_bytes, " expected"));
  }
  std::vector<std::byte> out(data.size());
  std::memcpy(out.data(), data.data(), data.size());
  return out;
}

namespace {

// no-color.org: set and not empty. A dumb terminal cannot clear a line either.
bool PlainTerminal() {
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return (no_color != nullptr && *no_color != '\0') ||
         (term != nullptr && std::string(term) == "dumb");
}

// What the command works on, for progress lines: its TARGET argument(s), else its output file,
// else its SOURCE, else its first argument.
std::string CommandTarget(const CLI::App& cmd) {
  for (const char* name : {"TARGET", "--output", "SOURCE"}) {
    const CLI::Option* opt = cmd.get_option_no_throw(name);
    if (opt != nullptr && opt->count() > 0) return absl::StrJoin(opt->results(), ",");
  }
  for (const CLI::Option* opt : cmd.get_options()) {
    if (opt->get_positional() && opt->count() > 0) return absl::StrJoin(opt->results(), ",");
  }
  return "";
}

}  // namespace

ProgressLine::ProgressLine(const RunContext& ctx, const CommonFlags& flags, std::string label)
    : enabled_(!flags.no_progress &&
               (flags.progress == "bar" ||
                (flags.progress == "auto" && ctx.stderr_is_tty && !flags.json))),
      plain_(PlainTerminal()),
      json_(flags.progress == "json" && !flags.no_progress ? &ctx.progress_json : nullptr),
      label_(std::move(label)),
      start_ns_(absl::GetCurrentTimeNanos()) {
  if (json_ == nullptr) return;
  std::string command = flags.command ? flags.command->get_name() : "";
  std::string target = flags.command ? CommandTarget(*flags.command) : "";
  std::string phase = label_;
  // "verify /dev/sdb": the phase is the first word when the rest names one of the targets.
  size_t space = label_.find(' ');
  if (space != std::string::npos) {
    std::string rest = label_.substr(space + 1);
    for (absl::string_view t : absl::StrSplit(target, ',')) {
      if (t == rest) {
        phase = label_.substr(0, space);
        target = rest;
        break;
      }
    }
  }
  json_->BeginPhase(command, phase, target);
}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Update(uint64_t done, uint64_t total) {
  if (json_ != nullptr) json_->Update(done, total);
  if (!enabled_) return;
  int64_t now = absl::GetCurrentTimeNanos();
  if (drawn_ && now - last_draw_ns_ < 200'000'000 && done < total) return;
  last_draw_ns_ = now;
  double secs = (now - start_ns_) / 1e9;
  double rate = secs > 0 ? done / secs : 0;
  std::string line = absl::StrFormat("\r%s %.1f MB", label_, done / 1e6);
  if (total > 0) {
    absl::StrAppendFormat(&line, " / %.1f MB %5.1f%%", total / 1e6, 100.0 * done / total);
  }
  absl::StrAppendFormat(&line, "  %.1f MB/s", rate / 1e6);
  if (total > 0 && rate > 0 && done <= total) {
    int eta = static_cast<int>((total - done) / rate);
    absl::StrAppendFormat(&line, "  ETA %d:%02d", eta / 60, eta % 60);
  }
  size_t width = line.size();
  if (plain_) {
    if (width < last_width_) line.append(last_width_ - width, ' ');
  } else {
    line += "\x1b[K";
  }
  last_width_ = width;
  std::fputs(line.c_str(), stderr);
  drawn_ = true;
}

void ProgressLine::Finish() {
  if (json_ != nullptr) json_->EndPhase();
  json_ = nullptr;
  if (enabled_ && drawn_) {
    std::fputs(plain_ ? ("\r" + std::string(last_width_, ' ') + "\r").c_str() : "\r\x1b[K", stderr);
  }
  drawn_ = false;
}

void ReportProgressResult(const CLI::App& app, const RunContext& ctx, int exit_code) {
  for (const CLI::App* sub : app.get_subcommands()) {
    const CLI::Option* opt = sub->get_option_no_throw("--progress");
    if (opt == nullptr || opt->count() == 0 || opt->as<std::string>() != "json") continue;
    const CLI::Option* off = sub->get_option_no_throw("--no-progress");
    if (off != nullptr && off->count() > 0) continue;
    ctx.progress_json.Result(sub->get_name(), exit_code);
  }
}

void EmitJson(const CommonFlags& flags, const nlohmann::json& j) {
  if (!flags.json || flags.json_emitted) return;
  flags.json_emitted = true;
  std::cout << j.dump() << std::endl;
}

int FinishCommand(const CommonFlags& flags, int exit_code) {
  if (exit_code != kExitOk) {
    EmitJson(flags, {{"ok", false},
                     {"error", absl::StrCat("failed with exit code ", exit_code,
                                            " (the reason is on stderr)")}});
  }
  return exit_code;
}

engine::DestinationOptions DestinationOptionsFor(const RunContext& ctx, bool device_guard_passed) {
  engine::DestinationOptions o;
  o.device_guard_passed = device_guard_passed;
  o.wrap = ctx.wrap_target;
  return o;
}

void Say(absl::string_view text) { std::cerr << text << '\n'; }

int ReportError(const absl::Status& status) {
  std::cerr << "mediaforge: " << status.message() << '\n';
  return kExitError;
}

int ReportError(const CommonFlags& flags, const absl::Status& status) {
  EmitJson(flags, {{"ok", false}, {"error", std::string(status.message())}});
  return ReportError(status);
}

bool Confirm(const RunContext& ctx, absl::string_view question) {
  if (!ctx.stdin_is_tty) return false;
  std::cerr << question << " Type 'yes' to continue: " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return absl::StripAsciiWhitespace(answer) == "yes";
}

}  // namespace mediaforge::cli
