// mediaforge list [--all] [--json] [-o COLS] [--bytes] [-n]: candidate targets, in lsblk's
// spirit. Removable disks come first (the likely targets, and what completion offers first).
#include <algorithm>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "device/block_info.h"
#include "device/guard.h"
#include "tools/commands.h"

namespace mediaforge::cli {
namespace {

struct ListArgs {
  bool all = false;
  bool bytes = false;
  bool no_headings = false;
  std::string columns;
  CommonFlags common;
};

// Why a disk is no safe target, in the guard's words (empty: a removable disk not in use).
std::vector<std::string> UnsafeReasons(const device::BlockInfo& b) {
  std::vector<std::string> r;
  if (b.backs_root) r.push_back("holds the running system (/)");
  for (const auto& m : b.mounts) r.push_back(m);
  if (b.read_only) r.push_back("read-only");
  if (!b.removable) r.push_back("not removable (needs --force)");
  if (b.size > device::kLargeDiskBytes) r.push_back("larger than 2 TiB (needs --force)");
  return r;
}

// lsblk's human sizes: binary multiples, one decimal below 10 ("14.9G", "512M", "0B").
std::string HumanSize(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "K", "M", "G", "T", "P", "E"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 6) {
    v /= 1024;
    ++unit;
  }
  if (unit == 0) return absl::StrCat(bytes, "B");
  return v < 10 ? absl::StrFormat("%.1f%s", v, kUnits[unit])
                : absl::StrFormat("%.0f%s", v, kUnits[unit]);
}

// One disk, everything a column or the JSON object may show.
struct Row {
  const device::BlockInfo* info;
  std::vector<std::string> reasons;
  std::vector<device::Signature> signatures;
};

struct Column {
  const char* name;
  const char* help;
  std::string (*text)(const Row&, const ListArgs&);
};

std::string SignatureText(const Row& r) {
  std::vector<std::string> parts;
  for (const auto& s : r.signatures) {
    parts.push_back(absl::StrCat(s.device.substr(5), ":", s.type,
                                 s.label.empty() ? "" : absl::StrCat("(", s.label, ")")));
  }
  return absl::StrJoin(parts, " ");
}

const std::vector<Column>& Columns() {
  static const std::vector<Column> kColumns = {
      {"PATH", "device node", [](const Row& r, const ListArgs&) { return r.info->path; }},
      {"SIZE", "size (human, or bytes with --bytes)",
       [](const Row& r, const ListArgs& a) {
         return a.bytes ? absl::StrCat(r.info->size) : HumanSize(r.info->size);
       }},
      {"TRAN", "transport", [](const Row& r, const ListArgs&) { return r.info->transport; }},
      {"VENDOR", "vendor", [](const Row& r, const ListArgs&) { return r.info->vendor; }},
      {"MODEL", "model (loop devices: the backing file)",
       [](const Row& r, const ListArgs&) {
         return r.info->model.empty() && r.info->vendor.empty() ? r.info->loop_backing_file
                                                                : r.info->model;
       }},
      {"SERIAL", "serial number", [](const Row& r, const ListArgs&) { return r.info->serial; }},
      {"RM", "removable (1/0)",
       [](const Row& r, const ListArgs&) { return std::string(r.info->removable ? "1" : "0"); }},
      {"RO", "read-only (1/0)",
       [](const Row& r, const ListArgs&) { return std::string(r.info->read_only ? "1" : "0"); }},
      {"SAFE", "a safe target (yes/no)",
       [](const Row& r, const ListArgs&) { return std::string(r.reasons.empty() ? "yes" : "no"); }},
      {"SIGNATURES", "what libblkid finds on the disk and its partitions",
       [](const Row& r, const ListArgs&) { return SignatureText(r); }},
      {"NOTES", "why the disk is not a safe target",
       [](const Row& r, const ListArgs&) {
         return r.reasons.empty() ? std::string() : absl::StrJoin(r.reasons, "; ");
       }},
  };
  return kColumns;
}

constexpr const char* kDefaultColumns = "PATH,SIZE,TRAN,VENDOR,MODEL,SIGNATURES,NOTES";

absl::StatusOr<std::vector<const Column*>> ChosenColumns(const std::string& spec) {
  std::vector<const Column*> out;
  for (absl::string_view name : absl::StrSplit(spec.empty() ? kDefaultColumns : spec, ',')) {
    std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(name));
    if (upper.empty()) continue;
    auto it = std::find_if(Columns().begin(), Columns().end(),
                           [&](const Column& c) { return upper == c.name; });
    if (it == Columns().end()) {
      std::vector<std::string> names;
      for (const auto& c : Columns()) names.push_back(c.name);
      return absl::InvalidArgumentError(
          absl::StrCat("unknown column '", name, "' (columns: ", absl::StrJoin(names, ","), ")"));
    }
    out.push_back(&*it);
  }
  return out;
}

nlohmann::json RowJson(const Row& r) {
  const auto& b = *r.info;
  nlohmann::json jsigs = nlohmann::json::array();
  for (const auto& s : r.signatures) {
    jsigs.push_back({{"device", s.device}, {"type", s.type}, {"label", s.label}, {"uuid", s.uuid}});
  }
  return {{"path", b.path},
          {"size", b.size},
          {"vendor", b.vendor},
          {"model", b.model},
          {"serial", b.serial},
          {"transport", b.transport},
          {"removable", b.removable},
          {"read_only", b.read_only},
          {"mounted", b.mounts},
          {"partitions", b.partitions},
          {"signatures", jsigs},
          {"backing_file", b.loop_backing_file},
          {"safe", r.reasons.empty()},
          {"unsafe_reasons", r.reasons}};
}

// Columns padded to their widest cell; the last one is not padded.
void PrintTable(std::ostream& out, const std::vector<const Column*>& cols,
                const std::vector<Row>& rows, const ListArgs& args) {
  std::vector<std::vector<std::string>> cells;
  if (!args.no_headings) {
    cells.emplace_back();
    for (const auto* c : cols) cells.back().push_back(c->name);
  }
  for (const auto& r : rows) {
    cells.emplace_back();
    for (const auto* c : cols) cells.back().push_back(c->text(r, args));
  }
  std::vector<size_t> width(cols.size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  for (const auto& line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text.append(width[i] - line[i].size() + 1, ' ');
    }
    out << std::string(absl::StripTrailingAsciiWhitespace(text)) << '\n';
  }
}

int RunList(const ListArgs& args) {
  auto cols = ChosenColumns(args.columns);
  if (!cols.ok()) return ReportError(args.common, cols.status());
  auto devices = device::ListBlockDevices();
  if (!devices.ok()) return ReportError(args.common, devices.status());
  std::stable_partition(devices->begin(), devices->end(),
                        [](const device::BlockInfo& b) { return b.removable; });
  std::vector<Row> rows;
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& b : *devices) {
    if (!args.all && !b.removable) continue;
    rows.push_back({&b, UnsafeReasons(b), device::ProbeSignatures(b)});
    arr.push_back(RowJson(rows.back()));
  }
  if (rows.empty()) {
    Say(args.all ? "no disks found" : "no removable disks found (--all lists every disk)");
  } else {
    // The table is the result, so stdout; with --json the object is, and the table is the
    // human text that goes to stderr (cli-contract.md).
    PrintTable(args.common.json ? std::cerr : std::cout, *cols, rows, args);
  }
  EmitJson(args.common, {{"devices", arr}});
  return kExitOk;
}

std::string ColumnHelp() {
  std::string text =
      "Columns to show, comma-separated (default " + std::string(kDefaultColumns) + "):";
  for (const auto& c : Columns()) absl::StrAppend(&text, " ", c.name, " ", c.help, ";");
  text.back() = '.';
  return text;
}

}  // namespace

void AddListCommand(CLI::App& app, RunContext& ctx) {
  auto args = std::make_shared<ListArgs>();
  auto* cmd = app.add_subcommand("list", "Candidate targets: removable disks (--all: every disk)");
  cmd->add_flag("--all", args->all, "Every disk, unsafe ones flagged with the reason");
  cmd->add_option("-o,--output", args->columns, ColumnHelp())->option_text("COLS");
  cmd->add_flag("-b,--bytes", args->bytes, "Sizes in bytes instead of 14.9G");
  cmd->add_flag("-n,--noheadings", args->no_headings, "Leave out the heading line");
  AddCommonFlags(*cmd, args->common);
  cmd->callback([&ctx, args] { ctx.exit_code = FinishCommand(args->common, RunList(*args)); });
}

}  // namespace mediaforge::cli
